"""Whether a URL points at the public internet: connected calendars and webhook receivers
refuse loopback and private-network hosts when the deployment says so."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class AddressRefused(Exception):
    """The address can't be resolved, or resolves to a host this server does not connect to."""


def flag(value: object) -> bool:
    """Read a yes/no setting given as a bool or as text ("true", "1", "yes", "on")."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def host_addresses(host: str, port: int | None = None) -> list[str]:
    """Resolve a host name to its addresses; AddressRefused when it can't be resolved."""
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(f"the host name {host!r} could not be resolved") from exc
    return sorted({info[4][0] for info in infos})


def is_public_address(address: str) -> bool:
    """Tell whether an IP address is on the public internet (not loopback, private, ...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_public_url(url: str) -> None:
    """Refuse a URL whose host resolves to any loopback, private or other non-public address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host:
        raise AddressRefused("the address has no host name")
    for address in host_addresses(host, parts.port):
        if not is_public_address(address):
            raise AddressRefused(
                f"{host} is a private or local address ({address}), which this server "
                "does not connect to"
            )
