"""Swayam's business core: banking, identity and (later) trading, rules, ledger.

Models and rules are pure (standard library only). The storage-facing
services in each area speak to the database only through SQLAlchemy Core and
never import aiohttp, telegram, spacy or anthropic.
"""
