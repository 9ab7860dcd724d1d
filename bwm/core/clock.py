"""The app's clock: the current time, or the time a test sets through the CLOCK setting."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from ..models import now_utc


def now() -> datetime:
    """Return the current time, from the app's CLOCK when a test sets one."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock else now_utc()
