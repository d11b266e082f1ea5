"""Identity: users, passwords, tokens and scopes."""
