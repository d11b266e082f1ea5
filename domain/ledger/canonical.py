"""Canonical JSON: one byte string for one value, so a hash of it means one thing.

Keys sorted, compact separators, UTF-8 without escaping non-ASCII, and only
the types whose text is unambiguous: objects with string keys, arrays,
strings, integers, booleans and null. Floats are refused (money is integer
minor units; a float's text depends on who prints it).
"""

from __future__ import annotations

import json
from typing import Any


class NotCanonical(TypeError):
    """The value holds something canonical JSON does not allow."""


def _check(value: Any, where: str) -> None:
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        raise NotCanonical(f"{where} is a float; use integer minor units")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotCanonical(f"{where} has a non-string key {key!r}")
            _check(item, f"{where}.{key}")
        return
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check(item, f"{where}[{i}]")
        return
    raise NotCanonical(f"{where} is a {type(value).__name__}, which JSON cannot hold")


def _plain(value: Any) -> bool:
    """True if ``value`` is built of exactly the allowed types (no subclasses).

    The fast path of every audit entry: no path text is built unless something
    is wrong, when ``_check`` walks again to say where (or accepts a subclass).
    """
    t = type(value)
    if t is dict:
        for key, item in value.items():
            if type(key) is not str:
                return False
            t = type(item)
            if not (t is str or t is int or t is bool or item is None or _plain(item)):
                return False
        return True
    if t is list or t is tuple:
        for item in value:
            t = type(item)
            if not (t is str or t is int or t is bool or item is None or _plain(item)):
                return False
        return True
    return t is str or t is int or t is bool or value is None


# One encoder for every entry: json.dumps builds a new one per call for these options.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def dumps(value: Any) -> bytes:
    """The canonical UTF-8 bytes of ``value``."""
    if not _plain(value):
        _check(value, "the value")
    return _ENCODER.encode(value).encode("utf-8")


def loads(data: bytes | str) -> Any:
    """Parse JSON that must already be canonical; raises ``NotCanonical`` otherwise."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        value = json.loads(raw, parse_float=_refuse_float)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotCanonical(f"not JSON: {exc}") from exc
    if dumps(value) != raw:
        raise NotCanonical("the JSON is not in canonical form")
    return value


def _refuse_float(text: str) -> Any:
    raise NotCanonical(f"the number {text} is not an integer")
