"""Connectors to the organizer's own calendars: an ICS feed over HTTP(S), and CalDAV.

Each fetches over the network and hands the iCalendar text to `bwm.domain.calendar_events`, so
both kinds answer with the same busy events (start and end aware in UTC, with their summary,
location and description for calendar shares) by the same rules. A problem with the remote
calendar is a CalendarError with a message for the organizer.
"""

from __future__ import annotations

from ..core import addresses
from ..core.addresses import is_public_address

__all__ = [
    "CalendarError",
    "CalendarGone",
    "check_public_url",
    "host_addresses",
    "is_public_address",
]


class CalendarError(Exception):
    """The calendar could not be read or written; the message is shown to the organizer."""


class CalendarGone(CalendarError):
    """The event or calendar is not there (404): nothing to delete."""


def host_addresses(host: str, port: int | None = None) -> list[str]:
    """Resolve a host name to its addresses; CalendarError when it can't be resolved."""
    try:
        return addresses.host_addresses(host, port)
    except addresses.AddressRefused as exc:
        raise CalendarError(str(exc)) from exc


def check_public_url(url: str) -> None:
    """Refuse a URL whose host resolves to any loopback, private or other non-public address."""
    try:
        addresses.check_public_url(url)
    except addresses.AddressRefused as exc:
        raise CalendarError(str(exc)) from None
