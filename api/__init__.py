"""The aiohttp server: REST /api/v1, health, metrics and docs."""
