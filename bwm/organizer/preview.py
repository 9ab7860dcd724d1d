"""The live preview of a meeting type being edited: its next free starts, nothing written.

The unsaved values go through the same checks as a save (the API's MeetingTypeIn, which touches
no row), then straight to the availability engine with the organizer's busy time, so no transient
MeetingType ever meets the session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from ..domain.availability import Availability, Rules, compute_slots
from ..domain.errors import ValidationFailed
from ..models import BookingPage
from ..schemas import load
from ..schemas.meeting_types import MeetingTypeIn
from ..services import slots
from ..services.hours import rows_to_hours

COUNT = 8  # how many starts to show
MAX_DAYS = 14  # how far to look, at most, so that it stays quick


@dataclass
class Preview:
    timezone: str
    days_ahead: int
    days: list[tuple[date, list[datetime]]] = field(default_factory=list)


def build(
    page: BookingPage, data: dict, *, now: datetime, type_id: int | None = None
) -> Preview | None:
    """Return the next free starts the values in data would offer, or None when they are wrong."""
    # Title and slug don't change the times: don't let them stop the preview.
    values = {**data, "title": data.get("title") or "preview", "slug": None}
    try:
        cleaned = load(MeetingTypeIn, values)
        rules = Rules(
            duration_minutes=cleaned["duration_minutes"],
            step_minutes=cleaned["slot_step_minutes"],
            buffer_before_minutes=cleaned["buffer_before_minutes"],
            buffer_after_minutes=cleaned["buffer_after_minutes"],
            min_notice_minutes=cleaned["min_notice_minutes"],
            max_days_ahead=cleaned["max_days_ahead"],
            max_per_day=cleaned["max_per_day"],
            max_per_week=cleaned["max_per_week"],
            max_per_month=cleaned["max_per_month"],
        )
    except (ValidationFailed, ValueError):
        return None
    tz = ZoneInfo(page.timezone)
    weekly = cleaned["hours"] if cleaned["hours"] is not None else rows_to_hours(page.windows)
    availability = Availability(tz=tz, weekly=weekly, overrides=cleaned["overrides"])
    days_ahead = min(rules.max_days_ahead, MAX_DAYS)
    today = now.astimezone(tz).date()
    start, end = slots.day_bounds(today, today + timedelta(days=days_ahead), tz)
    weeks, months = rules.max_per_week is not None, rules.max_per_month is not None
    capped = rules.max_per_day is not None or weeks or months
    booked = (
        slots.count_per_day(type_id, tz, start, end, weeks=weeks, months=months)
        if type_id is not None and capped
        else None
    )
    found = compute_slots(
        availability,
        slots.busy_intervals(page.user_id, start, end, calendars=cleaned["blocking_calendars"]),
        rules,
        start=start,
        end=end,
        now=now,
        booked_per_day=booked,
    )[:COUNT]
    local = [s.astimezone(tz) for s in found]
    days = [(day, list(times)) for day, times in groupby(local, key=lambda s: s.date())]
    return Preview(timezone=page.timezone, days_ahead=days_ahead, days=days)
