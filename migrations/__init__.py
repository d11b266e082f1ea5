"""Alembic migrations, one revision per schema change. See ``bot.migrate``."""
