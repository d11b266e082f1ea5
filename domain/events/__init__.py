"""Domain events: typed, dotted names, written to an outbox with the change they describe."""
