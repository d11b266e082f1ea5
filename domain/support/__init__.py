"""Support: tickets for a human to pick up."""
