"""The retention policy's arithmetic (SPEC §11): plain values, a given now, no clock."""

from datetime import UTC, datetime, timedelta

import pytest

from bwm.domain.retention import cutoff, is_due, same_address

NOW = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # the night Europe moves its clocks: irrelevant


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (None, None),
        (0, None),
        (1, datetime(2026, 3, 28, 1, 30, tzinfo=UTC)),
        (30, datetime(2026, 2, 27, 1, 30, tzinfo=UTC)),
        (365, datetime(2025, 3, 29, 1, 30, tzinfo=UTC)),
    ],
)
def test_cutoff(days, expected):
    assert cutoff(NOW, days) == expected


@pytest.mark.parametrize(
    ("end", "days", "anonymized_at", "due"),
    [
        (NOW - timedelta(days=30), 30, None, False),  # exactly N days: not yet
        (NOW - timedelta(days=30, seconds=1), 30, None, True),  # a second more: due
        (NOW - timedelta(days=29, hours=23), 30, None, False),
        (NOW - timedelta(days=400), None, None, False),  # keep
        (NOW - timedelta(days=400), 0, None, False),
        (NOW - timedelta(days=400), 30, NOW - timedelta(days=1), False),  # done already
        (NOW + timedelta(days=1), 1, None, False),  # the future
        (NOW - timedelta(days=1, microseconds=1), 1, None, True),
    ],
)
def test_is_due(end, days, anonymized_at, due):
    assert is_due(end, NOW, days, anonymized_at) is due


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("ann@example.com", "ann@example.com", True),
        ("  Ann@Example.COM ", "ann@example.com", True),
        ("ann@example.com", "anna@example.com", False),
        ("", "", False),
        ("", " ", False),
    ],
)
def test_same_address(a, b, same):
    assert same_address(a, b) is same
