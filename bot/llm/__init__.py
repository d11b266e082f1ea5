"""Optional help from a large language model (Claude) for what the local NLU is unsure of.

``advice`` holds what the assistant sees (no SDK import); ``claude`` talks to
the Anthropic Messages API; ``tools`` are the read-only bank queries the model
may call, always about the customer in the conversation.
"""
