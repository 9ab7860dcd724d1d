"""The slot picker's context: the meeting's length when the type offers several, then a month of
days in the attendee's zone, then one day's times."""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..domain.availability import durations_of
from ..domain.zones import get_zone
from ..models import MeetingType
from . import slots


@dataclass
class Picker:
    tz: ZoneInfo
    tz_explicit: bool
    month: date  # first day of the shown month
    weeks: list[list[date | None]]
    free_days: dict[date, list[datetime]]  # attendee-local date -> starts in tz
    chosen: date | None
    times: list[datetime]
    prev_month: date | None
    next_month: date | None
    first_free: date | None
    # The lengths to choose from, shortest first ([] when there is no choice: one length, or a
    # length fixed by the caller), and the one chosen (None until the attendee chooses).
    lengths: list[int]
    duration: int | None

    @property
    def link_duration(self) -> int | None:
        """The length every URL of the picker carries: the chosen one, when there is a choice."""
        return self.duration if self.lengths else None


def _parse_month(value: str | None) -> date | None:
    try:
        year, month = (int(p) for p in (value or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _parse_minutes(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def build(mt: MeetingType, args: dict, *, now: datetime, duration: int | None = None) -> Picker:
    """Read duration, tz, month and date from the query string and compute what the picker shows.

    duration: a length fixed by the caller (a booking being moved keeps its own); else a type with
    several lengths asks for one first, and shows no days until it has one.
    """
    if duration is not None:
        lengths: list[int] = []
    else:
        lengths = durations_of(mt.duration_minutes, mt.durations_minutes)
        if len(lengths) == 1:
            duration, lengths = lengths[0], []
        elif (asked := _parse_minutes(args.get("duration"))) in lengths:
            duration = asked
    asked_tz = get_zone(args.get("tz"))
    tz = asked_tz or ZoneInfo(mt.page.timezone)
    today = now.astimezone(tz).date()
    this_month = today.replace(day=1)
    chosen = _parse_date(args.get("date"))
    month = _parse_month(args.get("month")) or (chosen.replace(day=1) if chosen else this_month)
    month = max(month, this_month)
    # The horizon: nothing is bookable after it, so don't page past it.
    horizon = today + timedelta(days=mt.max_days_ahead + 1)
    last_month = horizon.replace(day=1)
    month = min(month, last_month)
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    last_day = month.replace(day=days_in_month)
    start, end = slots.day_bounds(month, last_day, tz)
    free_days: dict[date, list[datetime]] = defaultdict(list)
    found = (
        []
        if duration is None
        else slots.slots_between(mt, start, end, now=now, cached=True, duration=duration)
    )
    for s in found:
        local = s.astimezone(tz)
        free_days[local.date()].append(local)
    if chosen is not None and chosen.replace(day=1) != month:
        chosen = None
    weeks = [
        [d if d.month == month.month else None for d in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    ]
    return Picker(
        tz=tz,
        tz_explicit=asked_tz is not None,
        month=month,
        weeks=weeks,
        free_days=dict(free_days),
        chosen=chosen,
        times=free_days.get(chosen, []) if chosen else [],
        prev_month=(month - timedelta(days=1)).replace(day=1) if month > this_month else None,
        next_month=(last_day + timedelta(days=1)) if month < last_month else None,
        first_free=min(free_days) if free_days else None,
        lengths=lengths,
        duration=duration,
    )
