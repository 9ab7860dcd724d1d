"""The email check (SPEC §11): a booking of a type with verify_email holds its time as
"unverified" until the attendee confirms from the emailed link (/v/<token>, a POST); then it
goes on as any booking, or as a request (§9). The worker releases the holds not confirmed in
time: the time is free again, and the organizer, never told of it, is not told now either."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from .. import outbox
from ..core import signing
from ..core.locks import lock_organizer
from ..core.signals import booking_changed
from ..domain.errors import BookingClosed
from ..domain.tokens import TokenError
from ..extensions import db
from ..jobs.lanes import lane
from ..models import Booking, PrivateLink
from . import bookings

RELEASE_BATCH = 100


def booking_for_token(token: str) -> Booking:
    """Return the booking a confirmation link names; TokenError.invalid() when tampered."""
    uid = signing.signer(bookings.VERIFY_SALT).unsign(token)
    booking = db.session.scalar(select(Booking).where(Booking.uid == str(uid)))
    if booking is None:
        raise TokenError.invalid()
    return booking


def verify(booking: Booking, *, now: datetime) -> Booking:
    """Confirm the attendee's address: the booking is confirmed (or a request, pending) and both
    sides get the emails a booking gets. A second confirmation changes nothing; a released or
    cancelled hold raises BookingClosed."""
    lock_organizer(booking.user_id)
    db.session.refresh(booking)
    if booking.verified_at is not None:
        return booking
    if booking.status == "unverified" and booking.verify_until <= now:
        raise BookingClosed("released")  # the worker has not got to it yet
    if booking.status != "unverified":
        raise BookingClosed(booking.status)
    mt = booking.meeting_type
    booking.verified_at = now
    if mt.requires_confirmation:
        booking.status = "pending"
        booking.pending_until = min(now + timedelta(hours=mt.pending_hours), booking.start)
    else:
        booking.status = "confirmed"
    db.session.flush()
    kind = "requested" if booking.status == "pending" else "booked"
    outbox.enqueue_all(bookings.drafts(booking, kind, now=now), now=now)
    booking_changed.send(booking, kind="booked", now=now)
    return booking


def due(now: datetime, limit: int = RELEASE_BATCH) -> list[int]:
    """List the ids of the unconfirmed holds whose time is up."""
    return list(
        db.session.scalars(
            select(Booking.id)
            .where(Booking.status == "unverified", Booking.verify_until <= now)
            .order_by(Booking.verify_until, Booking.id)
            .limit(limit)
        )
    )


def release(booking: Booking, *, now: datetime) -> bool:
    """Release one unconfirmed hold under its organizer's lock; False when it was confirmed or
    cancelled meanwhile. A single-use private link it used works again."""
    lock_organizer(booking.user_id)
    db.session.refresh(booking)
    if booking.status != "unverified" or booking.verify_until > now:
        return False
    booking.status = "released"
    booking.cancelled_at = now
    db.session.execute(
        update(PrivateLink)
        .where(PrivateLink.used_booking_id == booking.id)
        .values(used_at=None, used_booking_id=None)
    )
    db.session.flush()
    return True


@lane("verifications", interval=15.0, order=6)
def release_unverified(clock, stop=None) -> int:
    """Release the holds not confirmed in time, one per transaction; return how many."""
    ids = due(clock())
    db.session.commit()
    count = 0
    for booking_id in ids:
        if stop is not None and stop.is_set():
            break
        booking = db.session.get(Booking, booking_id)
        if booking is not None and release(booking, now=clock()):
            db.session.commit()
            count += 1
        else:
            db.session.rollback()
    return count
