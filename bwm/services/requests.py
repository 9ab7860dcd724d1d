"""Requests left unanswered: the worker declines each at its pending_until and tells the
attendee, once, whichever worker gets to it first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..domain.errors import BookingClosed
from ..extensions import db
from ..jobs.lanes import lane
from ..models import Booking
from .bookings import decline

EXPIRE_BATCH = 100


def expired_requests(now: datetime, limit: int = EXPIRE_BATCH) -> list[int]:
    """List the ids of the requests still waiting for an answer at their deadline."""
    return list(
        db.session.scalars(
            select(Booking.id)
            .where(Booking.status == "pending", Booking.pending_until <= now)
            .order_by(Booking.pending_until, Booking.id)
            .limit(limit)
        )
    )


@lane("requests", interval=15.0, order=5)
def decline_expired_requests(clock, stop=None) -> int:
    """Decline the requests whose time to answer is over, one per transaction; return how many.

    decline() takes the organizer's lock and reads the request again under it: a second worker,
    or the organizer answering at the same moment, finds it decided and leaves it.
    """
    ids = expired_requests(clock())
    db.session.commit()
    count = 0
    for booking_id in ids:
        if stop is not None and stop.is_set():
            break
        booking = db.session.get(Booking, booking_id)
        if booking is None:
            continue
        try:
            decline(booking, reason="", now=clock(), by="worker")
        except BookingClosed:
            db.session.rollback()
            continue
        db.session.commit()
        count += 1
    return count
