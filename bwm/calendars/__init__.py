"""Connectors to the organizer's own calendars: an ICS feed over HTTP(S), and CalDAV.

Each fetches over the network and hands the iCalendar text to `bwm.domain.calendar_events`, so
both kinds answer with the same busy events (start and end aware in UTC, with their summary,
location and description for calendar shares) by the same rules. A problem with the remote
calendar is a CalendarError with a message for the organizer.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class CalendarError(Exception):
    """The calendar could not be read or written; the message is shown to the organizer."""


class CalendarGone(CalendarError):
    """The event or calendar is not there (404): nothing to delete."""


def host_addresses(host: str, port: int | None = None) -> list[str]:
    """Resolve a host name to its addresses; CalendarError when it can't be resolved."""
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise CalendarError(f"the host name {host!r} could not be resolved") from exc
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
        raise CalendarError("the address has no host name")
    for address in host_addresses(host, parts.port):
        if not is_public_address(address):
            raise CalendarError(
                f"{host} is a private or local address ({address}), which this server "
                "does not connect to"
            )
