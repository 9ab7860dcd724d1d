"""What the deployment says about connected calendars: time limits, sizes, how often to sync."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from ...core.addresses import flag


def deny_private() -> bool:
    """Tell whether loopback and private-network calendar addresses are refused."""
    return flag(current_app.config.get("CALENDAR_DENY_PRIVATE_ADDRESSES", False))


def timeout() -> float:
    return float(current_app.config.get("CALENDAR_TIMEOUT", 20))


def max_bytes() -> int:
    return int(current_app.config.get("CALENDAR_MAX_BYTES", 10 * 1024 * 1024))


def sync_every() -> timedelta:
    """Return how often the worker reads each calendar."""
    return timedelta(minutes=float(current_app.config.get("CALENDAR_SYNC_MINUTES", 10)))


def claim_for() -> timedelta:
    """How long a claim keeps other workers away: well past one fetch's time limit."""
    return max(timedelta(minutes=1), timedelta(seconds=3 * timeout()))
