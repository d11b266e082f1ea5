"""Conversation flows, one module per area of what Swayam can do."""
