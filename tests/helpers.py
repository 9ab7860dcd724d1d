"""Small helpers for tests: dates that never go stale."""

from datetime import date, timedelta


def next_weekday(weekday: int, *, at_least: int = 3, today: date | None = None) -> date:
    """Return the first date with that weekday (0 = Monday) at least `at_least` days ahead."""
    day = (today or date.today()) + timedelta(days=at_least)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day
