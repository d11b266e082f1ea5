"""Smart notifications: events become grouped, prioritised messages in the customer's chat."""
