"""Weekly hours and date overrides: JSON shape <-> domain windows <-> rows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from ..domain.availability import Window, format_minutes, parse_window, validate_windows
from ..domain.errors import ValidationFailed
from ..models import DateOverride, HoursWindow

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_HOURS: dict[int, list[Window]] = {d: [(9 * 60, 17 * 60)] for d in range(5)}


def _windows(value: object, field: str, label: str) -> list[Window]:
    """Parse a list of ["HH:MM", "HH:MM"] pairs, or say what is wrong with it."""
    if not isinstance(value, list):
        raise ValidationFailed({field: f"{label}: give a list of [start, end] pairs"})
    windows = []
    for pair in value:
        if (
            not isinstance(pair, list | tuple)
            or len(pair) != 2
            or not all(isinstance(p, str) for p in pair)
        ):
            raise ValidationFailed({field: f'{label}: each window is ["HH:MM", "HH:MM"]'})
        try:
            windows.append(parse_window(pair[0], pair[1]))
        except ValueError as exc:
            raise ValidationFailed({field: f"{label}: {exc}"}) from None
    try:
        validate_windows(windows)
    except ValueError as exc:
        raise ValidationFailed({field: f"{label}: {exc}"}) from None
    return sorted(windows)


def parse_hours(value: object, field: str = "hours") -> dict[int, list[Window]]:
    """Parse {"mon": [["09:00", "17:00"]], ...}; a day left out has no hours."""
    if not isinstance(value, dict):
        raise ValidationFailed({field: "give an object with the days mon to sun"})
    unknown = sorted(set(value) - set(WEEKDAYS))
    if unknown:
        raise ValidationFailed({field: f"unknown day {unknown[0]!r}; use mon, tue, ... sun"})
    return {WEEKDAYS.index(day): _windows(windows, field, day) for day, windows in value.items()}


def parse_overrides(value: object, field: str = "overrides") -> dict[date, list[Window]]:
    """Parse {"2027-03-10": [] (day off) or [["10:00", "12:00"]]}."""
    if not isinstance(value, dict):
        raise ValidationFailed({field: "give an object of dates (YYYY-MM-DD) to windows"})
    overrides = {}
    for key, windows in value.items():
        try:
            day = date.fromisoformat(key)
        except (TypeError, ValueError):
            raise ValidationFailed({field: f"{key!r} is not a date (YYYY-MM-DD)"}) from None
        overrides[day] = _windows(windows, field, key)
    return overrides


def hours_to_json(hours: Mapping[int, Iterable[Window]]) -> dict[str, list[list[str]]]:
    """Turn weekday windows into the JSON shape, every day present."""
    return {
        day: [[format_minutes(a), format_minutes(b)] for a, b in sorted(hours.get(i, ()))]
        for i, day in enumerate(WEEKDAYS)
    }


def overrides_to_json(overrides: Mapping[date, Iterable[Window]]) -> dict[str, list[list[str]]]:
    return {
        day.isoformat(): [[format_minutes(a), format_minutes(b)] for a, b in sorted(windows)]
        for day, windows in sorted(overrides.items())
    }


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
