"""Predictions from customers' own history: models, forecasts and anomalies."""
