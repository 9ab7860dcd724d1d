"""iCalendar text -> busy intervals, and bookings -> iCalendar for calendars (pure).

Both kinds of connected calendar (ICS feeds and CalDAV) end here, so one set of rules decides
what blocks time. Recurring events are expanded with `recurring-ical-events` (RRULE, RDATE,
EXDATE, overridden occurrences; `X-WR-TIMEZONE` through `x-wr-timezone`). Floating times are
wall-clock times in the organizer's zone, all-day events are whole local days in it.

What blocks, as Outlook and Cal.com have it: an event blocks unless it is cancelled
(STATUS:CANCELLED), transparent (TRANSP:TRANSPARENT) or marked free or working elsewhere
(X-MICROSOFT-CDO-BUSYSTATUS, or X-MICROSOFT-CDO-INTENDEDSTATUS when that is missing).
Tentative, busy and out-of-office events block. VFREEBUSY periods block unless FBTYPE=FREE.

Each busy event keeps what it says (SUMMARY, LOCATION, DESCRIPTION, as plain text cut to size) for
calendar shares at "limited" or "full" detail; the slot engine reads only the times.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .invitations import BookingFacts, booking_vevent, new_calendar

# icalendar and recurring-ical-events are loaded on first use, in the functions that need them:
# a web worker that serves no calendar never needs them.
if TYPE_CHECKING:
    from icalendar import Calendar, Component, Event

Interval = tuple[datetime, datetime]

FREE_STATUSES = frozenset({"FREE", "WORKINGELSEWHERE"})
# Far more than any real calendar holds in a booking horizon; a feed past it is refused.
MAX_OCCURRENCES = 20_000
# Expand this much wider than asked: floating and all-day times are placed only afterwards.
_MARGIN = timedelta(days=2)
# What is kept of an event's texts (the columns of calendar_busy hold 500 characters).
MAX_SUMMARY = 500
MAX_LOCATION = 500
MAX_DESCRIPTION = 10_000
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # Unicode's Cc but the newline
# What icalendar and recurring-ical-events raise on broken data besides their ValueErrors
# (InvalidCalendar), found by feeding them mangled calendars: TypeError (a DURATION that is a
# date, naive against aware times, a repeated RECURRENCE-ID), AttributeError (a repeated DTSTART,
# a VTIMEZONE without its parts), LookupError (an unknown TZID, a nested VEVENT without DTSTART),
# ArithmeticError (a year out of range). Anything else (ImportError, NameError, RuntimeError ...)
# is a bug, not a broken feed, and goes up: the sync logs it and marks the calendar.
_BROKEN_DATA = (ValueError, TypeError, AttributeError, LookupError, ArithmeticError)


@dataclass(frozen=True, order=True)
class BusyEvent:
    """A busy time (aware, UTC) and what its event says; all three texts are "" when unknown."""

    start: datetime
    end: datetime
    summary: str = ""
    location: str = ""
    description: str = ""


class NotICalendar(ValueError):
    """The data is not an iCalendar calendar, or one this module can't read."""


def parse_calendars(data: bytes | str) -> list[Calendar]:
    """Read one or more VCALENDARs; NotICalendar when the data is something else."""
    from icalendar import Calendar

    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    text = text.lstrip("\ufeff \t\r\n")
    if not text[:15].upper().startswith("BEGIN:VCALENDAR"):
        raise NotICalendar("this is not iCalendar data (it does not begin with BEGIN:VCALENDAR)")
    try:
        calendars = Calendar.from_ical(text, multiple=True)
    except _BROKEN_DATA as exc:
        raise NotICalendar(f"the iCalendar data could not be read: {exc}") from exc
    calendars = [c for c in calendars if c.name == "VCALENDAR"]
    if not calendars:
        raise NotICalendar("no VCALENDAR found")
    return calendars


def calendar_name(calendars: Iterable[Calendar]) -> str:
    """Return the calendar's own name (X-WR-CALNAME or NAME), or ""."""
    for cal in calendars:
        for key in ("X-WR-CALNAME", "NAME"):
            value = cal.get(key)
            if value:
                return str(value).strip()[:200]
    return ""


def is_busy(component: Component) -> bool:
    """Tell whether an event blocks time (see the module's docstring)."""
    if str(component.get("STATUS", "")).upper() == "CANCELLED":
        return False
    if str(component.get("TRANSP", "")).upper() == "TRANSPARENT":
        return False
    status = component.get("X-MICROSOFT-CDO-BUSYSTATUS") or component.get(
        "X-MICROSOFT-CDO-INTENDEDSTATUS"
    )
    return str(status or "").strip().upper() not in FREE_STATUSES


def busy_intervals(
    calendars: Iterable[Calendar],
    start: datetime,
    end: datetime,
    *,
    tz: ZoneInfo,
    skip_uids: Collection[str] = (),
) -> list[BusyEvent]:
    """Return the busy events (aware, UTC, with their texts) that overlap [start, end), by start.

    Overlapping events are not merged (each keeps its own texts); identical ones are kept once.
    `tz` places floating times and all-day events; events whose UID is in `skip_uids` (the
    organizer's own bookings, copied into their calendar) are left out, and so are events
    without a start (no DTSTART, or one icalendar can't read). Raises NotICalendar when a
    calendar can't be expanded or holds more than MAX_OCCURRENCES in the window.
    """
    import recurring_ical_events

    found: set[BusyEvent] = set()
    lo, hi = start - _MARGIN, end + _MARGIN
    for cal in calendars:
        cal = _without_startless_events(cal)
        _check_density(cal, (hi - lo) / timedelta(days=1))
        try:
            query = recurring_ical_events.of(cal, components=("VEVENT",), skip_bad_series=True)
            occurrences = query.between(_naive_utc(lo), _naive_utc(hi))
        except _BROKEN_DATA as exc:  # a broken series must not crash a sync
            raise NotICalendar(f"the events could not be expanded: {exc}") from exc
        if len(occurrences) > MAX_OCCURRENCES:
            raise NotICalendar(f"more than {MAX_OCCURRENCES} events in the booking horizon")
        for event in occurrences:
            if str(event.get("UID", "")) in skip_uids or not is_busy(event):
                continue
            interval = _event_interval(event, tz)
            if interval is not None:
                found.add(BusyEvent(*interval, *event_texts(event)))
        found.update(BusyEvent(s, e) for s, e in _freebusy_periods(cal))
    return sorted(e for e in found if e.start < end and e.end > start)


def event_texts(event: Component) -> tuple[str, str, str]:
    """Return an event's summary, location and description as plain text, cut to size.

    Control characters go (a newline stays in the description only): they mean nothing in a
    title, and PostgreSQL refuses NUL in text.
    """
    return (
        clean_text(_first(event.get("SUMMARY")), MAX_SUMMARY, lines=False),
        clean_text(_first(event.get("LOCATION")), MAX_LOCATION, lines=False),
        clean_text(_first(event.get("DESCRIPTION")), MAX_DESCRIPTION, lines=True),
    )


def _first(value: object) -> str:
    """The text of a property, the first one when a broken event repeats it."""
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value)


def clean_text(value: str, limit: int, *, lines: bool) -> str:
    """Drop control characters, keep newlines only when `lines`, trim, cut to `limit` characters.

    Tabs and (in a one-line text) line breaks become spaces, so words stay apart.
    """
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", text)  # every control character but the newline
    if not lines:
        text = " ".join(text.split())
    return text.strip()[:limit].rstrip()


# Occurrences a day of one RRULE at most, by its FREQ; the BY parts finer than FREQ multiply it.
_PER_DAY = {"SECONDLY": 86400, "MINUTELY": 1440, "HOURLY": 24}
_FINER = {
    "SECONDLY": (),
    "MINUTELY": ("BYSECOND",),
    "HOURLY": ("BYSECOND", "BYMINUTE"),
}


def _without_startless_events(cal: Calendar) -> Calendar:
    """Return the calendar without its VEVENTs that have no readable start (a copy, if any).

    No DTSTART, two of them, or one that isn't a date or a time: such an event says nothing
    about when it is, and recurring-ical-events fails on the whole calendar for it (KeyError,
    AttributeError) instead of skipping it.
    """
    from icalendar import Calendar

    startless = {id(c) for c in cal.subcomponents if c.name == "VEVENT" and not _has_start(c)}
    if not startless:
        return cal
    copy = Calendar()
    copy.update(cal)
    copy.subcomponents = [c for c in cal.subcomponents if id(c) not in startless]
    return copy


def _has_start(event: Component) -> bool:
    from icalendar.error import IncompleteComponent, InvalidCalendar

    try:
        return isinstance(event.start, date)  # a datetime is a date too
    except (IncompleteComponent, InvalidCalendar):  # icalendar's words for no or a bad DTSTART
        return False


def _check_density(cal: Calendar, days: float) -> None:
    """Refuse a series so frequent that expanding it would run away (every minute, every second).

    Checked on the rule before expanding anything: expansion itself can't be stopped midway.
    """
    from icalendar.error import InvalidCalendar

    for event in cal.walk("VEVENT"):
        rules = event.get("RRULE")
        for rule in rules if isinstance(rules, list) else [rules] if rules else []:
            try:
                freq = str((rule.get("FREQ") or [""])[0]).upper()
            except InvalidCalendar:  # icalendar 7 keeps an RRULE it can't read as a broken value:
                continue  # expanding skips that series (skip_bad_series)
            try:
                interval = max(int((rule.get("INTERVAL") or [1])[0]), 1)
                count = int((rule.get("COUNT") or [0])[0])
            except (TypeError, ValueError):
                interval, count = 1, 0
            if 0 < count <= MAX_OCCURRENCES:
                continue  # a few, however close together
            rate = _PER_DAY.get(freq, 1) / interval
            for part in _FINER.get(freq, ("BYSECOND", "BYMINUTE", "BYHOUR")):
                rate *= max(len(rule.get(part) or []), 1)
            if rate * days > MAX_OCCURRENCES:
                raise NotICalendar(
                    f"the repeating event {str(event.get('SUMMARY', ''))[:80]!r} repeats too often"
                    f" (more than {MAX_OCCURRENCES} times in the booking horizon)"
                )


def _event_interval(event: Component, tz: ZoneInfo) -> Interval | None:
    from icalendar.error import IncompleteComponent, InvalidCalendar

    try:
        start, end = event.start, event.end
    except (IncompleteComponent, InvalidCalendar):  # no DTSTART, DTEND against DURATION ...
        return None  # only icalendar's own words for a missing or bad time: a bug goes up
    start, end = _instant(start, tz), _instant(end, tz)
    if end <= start:
        return None  # a moment, not a span: blocks nothing
    return start, end


def _instant(value: date | datetime, tz: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating: the organizer's wall clock
            value = value.replace(tzinfo=tz)
        return value.astimezone(UTC)
    return datetime.combine(value, time(0), tz).astimezone(UTC)  # a whole local day


def _freebusy_periods(cal: Calendar) -> list[Interval]:
    periods: list[Interval] = []
    for component in cal.walk("VFREEBUSY"):
        values = component.get("FREEBUSY", [])
        for prop in values if isinstance(values, list) else [values]:
            if str(prop.params.get("FBTYPE", "BUSY")).upper() == "FREE":
                continue
            for period in prop.dts if hasattr(prop, "dts") else [prop]:
                span = getattr(period, "dt", period)
                if not isinstance(span, tuple) or len(span) != 2:
                    continue
                first, second = span
                if not isinstance(first, datetime) or first.tzinfo is None:
                    continue  # RFC 5545: FREEBUSY periods are in UTC
                last = first + second if isinstance(second, timedelta) else second
                if isinstance(last, datetime) and last.tzinfo is not None and last > first:
                    periods.append((first.astimezone(UTC), last.astimezone(UTC)))
    return periods


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


# --- bookings as calendar events --------------------------------------------------------------


def booking_event(facts: BookingFacts, *, stamp: datetime, note: str = "") -> Event:
    """Return the VEVENT of a booking as it goes into the organizer's own calendar.

    No ORGANIZER or ATTENDEE: a CalDAV server that schedules (Nextcloud, iCloud) would otherwise
    send the attendee invitations of its own; the attendee is named in the description instead.
    """
    event = booking_vevent(facts, stamp=stamp)
    lines = [f"{facts.attendee_name} <{facts.attendee_email}>"]
    if note:
        lines.append(note)
    if facts.description:
        lines.append(facts.description)
    if facts.online_meeting_url:
        lines.append(f"Online meeting: {facts.online_meeting_url}")
        event.add("url", facts.online_meeting_url)
    event.add("description", "\n\n".join(lines))
    location = facts.location or facts.online_meeting_url or ""
    if location:
        event.add("location", location)
    event.add("status", "CANCELLED" if facts.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if facts.cancelled else "OPAQUE")
    if facts.color:
        # RFC 7986 names a CSS colour; the type's own is kept too, for clients that read it.
        event.add("color", css_color_name(facts.color))
        event.add("x-bwm-color", facts.color)
    if facts.category:
        event.add("categories", [facts.category])
    return event


@cache
def css_color_name(hex_color: str) -> str:
    """The CSS colour name nearest to #rrggbb (RFC 7986's COLOR takes a name)."""
    import webcolors

    wanted = webcolors.hex_to_rgb(hex_color)
    return min(
        webcolors.names("css3"),
        key=lambda name: sum(
            (a - b) ** 2 for a, b in zip(webcolors.name_to_rgb(name), wanted, strict=True)
        ),
    )


def _calendar(name: str = "") -> Calendar:
    cal = new_calendar()
    if name:
        cal.add("x-wr-calname", name)
    return cal


def booking_resource(facts: BookingFacts, *, stamp: datetime, note: str = "") -> bytes:
    """Return a CalDAV calendar object (one VEVENT, no METHOD: RFC 4791 4.1) for a booking."""
    cal = _calendar()
    cal.add_component(booking_event(facts, stamp=stamp, note=note))
    return cal.to_ical()


def bookings_feed(
    events: Iterable[tuple[BookingFacts, str]], *, stamp: datetime, name: str
) -> bytes:
    """Return a subscribable calendar (METHOD:PUBLISH) of bookings given as (facts, note)."""
    cal = _calendar(name)
    cal.add("method", "PUBLISH")
    cal.add("refresh-interval", timedelta(minutes=15), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT15M")
    for facts, note in events:
        cal.add_component(booking_event(facts, stamp=stamp, note=note))
    return cal.to_ical()
