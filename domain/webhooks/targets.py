"""Which webhook targets are allowed: public http(s) addresses only.

Private, link-local, multicast, reserved and unspecified addresses are always
refused (they reach the bank's own network: SSRF); loopback is refused too
unless explicitly allowed for tests and local integrations.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from domain.errors import InvalidInput


def parse(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a target, or InvalidInput."""
    if not isinstance(url, str) or len(url) > 2000:
        raise InvalidInput(
            "invalid_url", "'url' must be an http(s) URL of at most 2000 characters."
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("invalid_url", "'url' must be an http(s) URL with a host.")
    if parts.username or parts.password:
        raise InvalidInput("invalid_url", "'url' must not carry credentials.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise InvalidInput("invalid_url", "'url' has a bad port.") from exc
    return parts.scheme, parts.hostname, port


def check_address(address: str, *, allow_loopback: bool) -> None:
    """Refuse an IP address a webhook must not reach."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        if allow_loopback:
            return
        raise InvalidInput("url_not_allowed", "Webhook URLs may not point at loopback addresses.")
    if (
        ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    ):
        raise InvalidInput(
            "url_not_allowed", "Webhook URLs must point at a public address, not a private one."
        )


def literal_address(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None
