"""Channels other than the web: which outside chats speak for which customer."""
