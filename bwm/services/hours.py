"""Weekly hours and date overrides: domain windows <-> rows (the JSON shape is the schemas')."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from ..domain.availability import Window
from ..models import DateOverride, HoursWindow

DEFAULT_HOURS: dict[int, list[Window]] = {d: [(9 * 60, 17 * 60)] for d in range(5)}


def rows_to_hours(rows: Iterable[HoursWindow]) -> dict[int, list[Window]]:
    hours: dict[int, list[Window]] = {}
    for row in rows:
        hours.setdefault(row.weekday, []).append((row.start_minute, row.end_minute))
    return hours


def hours_to_rows(hours: Mapping[int, Iterable[Window]]) -> list[HoursWindow]:
    return [
        HoursWindow(weekday=day, start_minute=a, end_minute=b)
        for day, windows in sorted(hours.items())
        for a, b in windows
    ]


def rows_to_overrides(rows: Iterable[DateOverride]) -> dict[date, list[Window]]:
    overrides: dict[date, list[Window]] = {}
    for row in rows:
        windows = overrides.setdefault(row.day, [])
        if row.start_minute is not None and row.end_minute is not None:
            windows.append((row.start_minute, row.end_minute))
    return overrides


def overrides_to_rows(overrides: Mapping[date, Iterable[Window]]) -> list[DateOverride]:
    rows = []
    for day, windows in sorted(overrides.items()):
        windows = list(windows)
        if not windows:
            rows.append(DateOverride(day=day, start_minute=None, end_minute=None))
        rows.extend(DateOverride(day=day, start_minute=a, end_minute=b) for a, b in windows)
    return rows
