"""Wealth: net worth, allocation, performance, the financial health score, insights."""
