"""IANA time zones: the list offered to people, and a check for names typed in."""

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


@cache
def zone_names() -> tuple[str, ...]:
    """List the zones worth offering in a select, sorted: Area/City names and UTC."""
    names = {
        n
        for n in available_timezones()
        if "/" in n and not n.startswith(("Etc/", "SystemV/", "US/", "posix/", "right/"))
    }
    return tuple(sorted(names | {"UTC"}))


def get_zone(name: str | None) -> ZoneInfo | None:
    """Return the zone of that name, or None when there is no such zone."""
    if not name or not isinstance(name, str) or name not in _valid_names():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@cache
def _valid_names() -> frozenset[str]:
    return frozenset(available_timezones())
