"""Private links (SPEC §3): the state of a link at a given time, and the expiry it may have.

Pure: every function is given `now` and the allowed number of days; nothing reads a clock.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .errors import Message, ValidationFailed, _l
from .tokens import TokenError

TOO_LATE = _l("must be at most %(days)s days after the link is made")

ACTIVE = "active"
USED = "used"
EXPIRED = "expired"
REVOKED = "revoked"
STATES = (ACTIVE, USED, EXPIRED, REVOKED)


def link_state(
    *,
    expires_at: datetime,
    used_at: datetime | None,
    revoked_at: datetime | None,
    now: datetime,
) -> str:
    """Name the state of a link at `now`: active, used, expired or revoked.

    The organizer's withdrawal says most, so it wins; a used link stays "used" after it would
    have expired. A link stops working at the instant it expires.
    """
    if revoked_at is not None:
        return REVOKED
    if used_at is not None:
        return USED
    if now >= expires_at:
        return EXPIRED
    return ACTIVE


def ensure_active(state: str) -> None:
    """Raise the TokenError (410) of a state that lets nobody book."""
    if state == ACTIVE:
        return
    if state not in STATES:
        raise ValueError(f"not a link state: {state!r}")
    raise TokenError(state)


def latest_expiry(created_at: datetime, days: int) -> datetime:
    """Return the latest instant a link made at `created_at` may expire."""
    return created_at + timedelta(days=days)


def choose_expiry(requested: datetime | None, *, now: datetime, days: int) -> datetime:
    """Return when a link made at `now` expires: `requested`, or by default the latest allowed.

    `requested` must be aware, after `now` and no later than `days` after it (ValidationFailed
    naming expires_at otherwise).
    """
    latest = latest_expiry(now, days)
    if requested is None:
        return latest
    if requested.tzinfo is None or requested.utcoffset() is None:
        raise ValidationFailed({"expires_at": Message(_l("give a time with its UTC offset"))})
    if requested <= now:
        raise ValidationFailed({"expires_at": Message(_l("must be in the future"))})
    if requested > latest:
        raise ValidationFailed({"expires_at": Message(TOO_LATE, days=days)})
    return requested


def expiry_for_date(day: date, tz: ZoneInfo, *, now: datetime, days: int) -> datetime:
    """Return the expiry of a link that should work through `day` (a date in `tz`).

    It ends at the midnight after that day, or at the latest allowed instant when that comes
    first, so the last allowed date can be picked. A date before today (in `tz`) or after the
    latest allowed date is refused, naming expires_at.
    """
    latest = latest_expiry(now, days)
    if day < now.astimezone(tz).date():
        raise ValidationFailed({"expires_at": Message(_l("must be today or later"))})
    if day > latest.astimezone(tz).date():
        raise ValidationFailed({"expires_at": Message(TOO_LATE, days=days)})
    end_of_day = datetime.combine(day + timedelta(days=1), time(0), tz)
    return min(end_of_day, latest)
