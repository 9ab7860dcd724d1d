"""What the retention policy (SPEC §11) makes due: a booking's attendee data is erased once the
booking ended more than `retention_days` days before now. Plain values in, plain values out."""

from __future__ import annotations

from datetime import datetime, timedelta


def cutoff(now: datetime, retention_days: int | None) -> datetime | None:
    """The end before which a booking is due for erasure; None when the policy is to keep."""
    if retention_days is None or retention_days <= 0:
        return None
    return now - timedelta(days=retention_days)


def is_due(
    end: datetime,
    now: datetime,
    retention_days: int | None,
    anonymized_at: datetime | None = None,
) -> bool:
    """True when a booking that ended at `end` is to be anonymized now (and isn't already).

    Exactly `retention_days` days after the end is not yet due; a moment later is.
    """
    if anonymized_at is not None:
        return False
    limit = cutoff(now, retention_days)
    return limit is not None and end < limit


def normal_address(address: str) -> str:
    """An email address as compared: trimmed, case folded."""
    return (address or "").strip().lower()


def same_address(a: str, b: str) -> bool:
    """Two spellings of one email address (case and surrounding spaces don't count)."""
    return bool(normal_address(a)) and normal_address(a) == normal_address(b)
