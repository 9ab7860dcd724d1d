"""The organizer's week (SPEC §12): the coming days, each with its meetings by time.

Plain Python: the caller gives each meeting's start and end (aware) and what to show for it;
days are the organizer's calendar days in their zone, DST changes included.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAYS = 7


@dataclass(frozen=True)
class Meeting:
    start: datetime
    end: datetime
    item: Any  # what the page shows and links to (a booking)
    request: bool = False  # waits for the organizer's answer


@dataclass
class Day:
    date: date
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(1 for m in self.meetings if m.request)


def window(today: date, tz: ZoneInfo, days: int = DAYS) -> tuple[datetime, datetime]:
    """The instants the week covers: from today's midnight to the midnight `days` later."""
    first = datetime.combine(today, datetime.min.time(), tz)
    last = datetime.combine(today + timedelta(days=days), datetime.min.time(), tz)
    return first, last


def week(meetings: Iterable[Meeting], today: date, tz: ZoneInfo, days: int = DAYS) -> list[Day]:
    """The days from today on, each with its meetings in the zone by start (ties: requests
    first); meetings outside the days are left out."""
    found = [Day(today + timedelta(days=n)) for n in range(days)]
    by_date = {day.date: day for day in found}
    for meeting in meetings:
        local = Meeting(
            meeting.start.astimezone(tz), meeting.end.astimezone(tz), meeting.item, meeting.request
        )
        day = by_date.get(local.start.date())
        if day is not None:
            day.meetings.append(local)
    for day in found:
        day.meetings.sort(key=lambda m: (m.start, not m.request))
    return found
