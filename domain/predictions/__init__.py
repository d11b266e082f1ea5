"""Predictions: behaviour features, churn, lifetime value, segments and next best action."""
