"""Private-link rules (SPEC §3): a link's state at a given time and the expiry it may have.

Plain values and a clock the test chooses; no app.
"""

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bwm.domain.errors import ValidationFailed
from bwm.domain.links import (
    ACTIVE,
    EXPIRED,
    REVOKED,
    USED,
    choose_expiry,
    ensure_active,
    expiry_for_date,
    latest_expiry,
    link_state,
)
from bwm.domain.tokens import TokenError

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)
STO = ZoneInfo("Europe/Stockholm")
SECOND = timedelta(seconds=1)


def at(**delta) -> datetime:
    return NOW + timedelta(**delta)


@pytest.mark.parametrize(
    ("expires_at", "used_at", "revoked_at", "now", "state"),
    [
        # active until the instant it expires
        (at(days=90), None, None, NOW, ACTIVE),
        (at(seconds=30), None, None, at(seconds=29), ACTIVE),
        (at(seconds=30), None, None, at(seconds=30), EXPIRED),
        (at(seconds=30), None, None, at(seconds=31), EXPIRED),
        (at(days=90), None, None, at(days=90) - SECOND, ACTIVE),
        (at(days=90), None, None, at(days=90), EXPIRED),
        # used: stays used, also after it would have expired
        (at(days=90), at(hours=1), None, at(hours=2), USED),
        (at(days=1), at(hours=1), None, at(days=5), USED),
        # revoked wins over used and expired
        (at(days=90), None, at(hours=1), at(hours=2), REVOKED),
        (at(days=90), at(hours=1), at(hours=3), at(hours=4), REVOKED),
        (at(days=1), None, at(hours=1), at(days=5), REVOKED),
        # an expiry in another zone is the same instant
        (datetime(2027, 3, 10, 13, 0, tzinfo=STO), None, None, at(seconds=-1), ACTIVE),
        (datetime(2027, 3, 10, 13, 0, tzinfo=STO), None, None, NOW, EXPIRED),
    ],
)
def test_link_state(expires_at, used_at, revoked_at, now, state):
    assert link_state(expires_at=expires_at, used_at=used_at, revoked_at=revoked_at, now=now) == (
        state
    )


def test_a_link_made_now_moves_through_its_states_as_the_clock_moves():
    expires_at = choose_expiry(at(seconds=5), now=NOW, days=90)
    states = [
        link_state(expires_at=expires_at, used_at=None, revoked_at=None, now=NOW + s * SECOND)
        for s in range(8)
    ]
    assert states == [ACTIVE] * 5 + [EXPIRED] * 3


@pytest.mark.parametrize(
    ("state", "reason"), [(USED, "used"), (EXPIRED, "expired"), (REVOKED, "revoked")]
)
def test_only_an_active_link_lets_someone_book(state, reason):
    ensure_active(ACTIVE)
    with pytest.raises(TokenError) as caught:
        ensure_active(state)
    assert caught.value.reason == reason
    assert caught.value.gone  # 410, not 404


def test_an_unknown_state_is_a_programming_error():
    with pytest.raises(ValueError):
        ensure_active("lost")


@pytest.mark.parametrize(
    ("requested", "days", "expected"),
    [
        (None, 90, at(days=90)),
        (None, 7, at(days=7)),
        (at(seconds=1), 90, at(seconds=1)),
        (at(days=30), 90, at(days=30)),
        (at(days=90), 90, at(days=90)),  # the latest allowed instant itself
        (at(days=7), 7, at(days=7)),
        # with an offset: the same instant, kept as given
        (datetime(2027, 4, 1, 9, 0, tzinfo=STO), 90, datetime(2027, 4, 1, 7, 0, tzinfo=UTC)),
    ],
)
def test_choose_expiry(requested, days, expected):
    assert choose_expiry(requested, now=NOW, days=days) == expected


@pytest.mark.parametrize(
    ("requested", "days", "message"),
    [
        (at(days=90) + SECOND, 90, "at most 90 days"),
        (at(days=91), 90, "at most 90 days"),
        (at(days=8), 7, "at most 7 days"),
        (NOW, 90, "in the future"),
        (at(seconds=-1), 90, "in the future"),
        (at(days=-30), 90, "in the future"),
        (datetime(2027, 4, 1, 9, 0), 90, "offset"),  # naive
    ],
)
def test_choose_expiry_refuses(requested, days, message):
    with pytest.raises(ValidationFailed) as caught:
        choose_expiry(requested, now=NOW, days=days)
    assert list(caught.value.errors) == ["expires_at"]
    assert message in caught.value.errors["expires_at"]


def test_latest_expiry_counts_days_from_creation():
    assert latest_expiry(NOW, 90) == datetime(2027, 6, 8, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "tz", "now", "expected"),
    [
        # through the end of that day in the organizer's zone
        (date(2027, 3, 20), STO, NOW, datetime(2027, 3, 21, 0, 0, tzinfo=STO)),
        (date(2027, 3, 10), STO, NOW, datetime(2027, 3, 11, 0, 0, tzinfo=STO)),  # today
        # the day the clocks go forward (Stockholm, 2027-03-28): midnight after it is +02:00
        (date(2027, 3, 28), STO, NOW, datetime(2027, 3, 29, 0, 0, tzinfo=STO)),
        # the last allowed date: cut at the latest instant, not at that day's end
        (date(2027, 6, 8), STO, NOW, at(days=90)),
        (date(2027, 6, 8), ZoneInfo("UTC"), NOW, at(days=90)),
        # "today" is the organizer's: 23:30 UTC is already tomorrow in Stockholm
        (
            date(2027, 3, 11),
            STO,
            datetime(2027, 3, 10, 23, 30, tzinfo=UTC),
            datetime(2027, 3, 12, 0, 0, tzinfo=STO),
        ),
    ],
)
def test_expiry_for_date(day, tz, now, expected):
    got = expiry_for_date(day, tz, now=now, days=90)
    assert got == expected
    assert got <= latest_expiry(now, 90)


@pytest.mark.parametrize(
    ("day", "now", "message"),
    [
        (date(2027, 3, 9), NOW, "today or later"),
        (date(2027, 6, 9), NOW, "at most 90 days"),
        # 23:30 UTC on the 10th is the 11th in Stockholm: the 10th is past there
        (date(2027, 3, 10), datetime(2027, 3, 10, 23, 30, tzinfo=UTC), "today or later"),
    ],
)
def test_expiry_for_date_refuses(day, now, message):
    with pytest.raises(ValidationFailed) as caught:
        expiry_for_date(day, STO, now=now, days=90)
    assert message in caught.value.errors["expires_at"]


def test_a_different_number_of_days():
    assert expiry_for_date(date(2027, 3, 17), STO, now=NOW, days=7) == at(days=7)
    with pytest.raises(ValidationFailed):
        expiry_for_date(date(2027, 3, 18), STO, now=NOW, days=7)


def test_the_link_rules_stay_pure():
    code = (
        "import sys, bwm.domain.links\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]\n"
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_offsets_other_than_utc_compare_as_instants():
    plus_two = timezone(timedelta(hours=2))
    requested = datetime(2027, 3, 10, 14, 0, 1, tzinfo=plus_two)  # 12:00:01 UTC
    assert choose_expiry(requested, now=NOW, days=90) == at(seconds=1)
