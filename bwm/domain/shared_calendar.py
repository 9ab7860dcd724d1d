"""A calendar shared with someone: what each level of detail shows, the week view, the feed.

Pure: plain values in, plain values (or iCalendar bytes) out. The level is decided elsewhere
(policy.share_level); here it only chooses what of each event is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .policy import DETAILS

BUSY = "Busy"


@dataclass(frozen=True)
class CalendarEvent:
    """One thing in an organizer's calendar, with every detail it has."""

    key: str  # stable and opaque within one calendar ("booking-12", "block-3", "synced-<hmac>")
    start: datetime  # aware
    end: datetime
    summary: str = ""
    location: str = ""
    description: str = ""


def shown_at(event: CalendarEvent, level: str) -> CalendarEvent:
    """Return the event as a viewer at this level sees it: free/busy keeps only the times."""
    if level not in DETAILS:
        raise ValueError(f"detail must be one of {', '.join(DETAILS)}")
    if level == "free_busy":
        return replace(event, summary=BUSY, location="", description="")
    summary = event.summary or BUSY
    if level == "limited":
        return replace(event, summary=summary, description="")
    return replace(event, summary=summary)


def merge_busy(events: list[CalendarEvent]) -> list[CalendarEvent]:
    """Join overlapping or touching busy times into one, so free/busy tells nothing more."""
    merged: list[CalendarEvent] = []
    for event in sorted(events, key=lambda e: (e.start, e.end)):
        if merged and event.start <= merged[-1].end:
            last = merged[-1]
            if event.end > last.end:
                merged[-1] = replace(last, end=event.end)
        else:
            merged.append(CalendarEvent(key=f"busy-{event.key}", start=event.start, end=event.end))
    return [replace(e, summary=BUSY) for e in merged]


def visible_events(events: list[CalendarEvent], level: str) -> list[CalendarEvent]:
    """Return the events shown at a level, by start; free/busy merges overlapping times."""
    if level == "free_busy":
        return merge_busy(events)
    return sorted((shown_at(e, level) for e in events), key=lambda e: (e.start, e.end, e.key))


def week_start(day: date) -> date:
    """Return the Monday of the week that holds day."""
    return day - timedelta(days=day.weekday())


def week_bounds(monday: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the week's first and last instants (aware, end exclusive) in a zone."""
    start = datetime.combine(monday, time(0), tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tz)
    return start, end


@dataclass(frozen=True)
class DayEvents:
    day: date
    events: list[tuple[datetime, datetime, CalendarEvent]]  # local start, local end, event


def week_days(events: list[CalendarEvent], monday: date, tz: ZoneInfo) -> list[DayEvents]:
    """Group events by the zone's dates of one week; an event over midnight shows on each day."""
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        lo = datetime.combine(day, time(0), tz)
        hi = datetime.combine(day + timedelta(days=1), time(0), tz)
        found = [
            (max(e.start, lo).astimezone(tz), min(e.end, hi).astimezone(tz), e)
            for e in events
            if e.start < hi and e.end > lo
        ]
        days.append(DayEvents(day, sorted(found, key=lambda f: (f[0], f[1]))))
    return days


def build_feed(
    events: list[CalendarEvent], level: str, *, name: str, uid_salt: str, stamp: datetime
) -> bytes:
    """Write the events shown at a level as an iCalendar feed (VEVENTs; "Busy" for free/busy).

    UIDs are the event's key with uid_salt, so they stay the same from one fetch to the next and
    tell nothing about the organizer's other calendars.
    """
    # Loaded on first use: a web worker that serves no calendar never needs icalendar.
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//bwm//Bookings with me//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for event in visible_events(events, level):
        item = Event()
        item.add("uid", f"{event.key}-{uid_salt}@bwm")
        item.add("dtstamp", stamp)
        item.add("dtstart", event.start.astimezone(UTC))
        item.add("dtend", event.end.astimezone(UTC))
        item.add("summary", event.summary or BUSY)
        item.add("transp", "OPAQUE")
        if level == "free_busy":
            item.add("class", "PRIVATE")
        if event.location:
            item.add("location", event.location)
        if event.description:
            item.add("description", event.description)
        cal.add_component(item)
    return cal.to_ical()
