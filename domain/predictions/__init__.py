"""Predictions from customers' own history: behaviour models (churn, lifetime value,
segments, next best action), cash-flow forecasts and anomalies."""
