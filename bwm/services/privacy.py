"""An attendee's data (SPEC §11): erased by the retention policy once a booking is old enough,
exported or erased on request. The booking itself stays, as anonymous history and busy time."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import func, select

from ..domain.errors import BookingClosed, ChangeTooLate
from ..domain.retention import cutoff, normal_address, same_address
from ..extensions import db
from ..jobs.lanes import lane
from ..models import Booking, OutboxMessage, PrivateLink, WebhookDelivery
from ..schemas import load
from ..schemas.privacy import AttendeeIn
from . import audit, bookings, policy

RETENTION_BATCH = 200
ERASED = "erased"
ACTIVE = ("confirmed", "pending", "unverified")


def checked_email(email: str) -> str:
    """The address, checked and lowercased; ValidationFailed naming `email` otherwise."""
    return load(AttendeeIn, {"email": email})["email"]


def address_hash(email: str) -> str:
    """What the audit trail names an attendee by: not the address itself."""
    return hashlib.sha256(normal_address(email).encode()).hexdigest()[:16]


def _with_address(column, email: str):
    return func.lower(func.trim(column)) == normal_address(email)


# --- anonymizing one booking ------------------------------------------------------------------


def anonymize(booking: Booking, *, now: datetime, tell_organizer: bool = False) -> None:
    """Erase the attendee's personal data from a booking and every copy of it we hold; the
    manage link stops working (its token names no booking any more). Flushes.

    tell_organizer: the emails still queued to others (the organizer's news of a cancellation
    made just now) are left to go out.
    """
    if booking.anonymized_at is not None:
        return
    email, uid = booking.attendee_email, booking.uid
    booking.attendee_name = ""
    booking.attendee_email = ""
    booking.attendee_timezone = "UTC"
    booking.note = ""
    booking.answers = []
    booking.cancel_reason = ""
    booking.decline_reason = ""
    booking.manage_token_id = secrets.token_urlsafe(18)
    booking.anonymized_at = now
    # The outbox keeps a booking's emails as the facts they are built from (with the uid).
    for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.facts.contains(uid, autoescape=True))
    ):
        if tell_organizer and message.status == "pending" and not same_address(message.to, email):
            continue
        _erase_message(message)
    for delivery in db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.booking_id == booking.id)
    ):
        if tell_organizer and delivery.status == "pending":
            continue  # the "cancelled" event of an erasure goes out as queued
        delivery.body = "{}"
    for link in db.session.scalars(
        select(PrivateLink).where(PrivateLink.used_booking_id == booking.id)
    ):
        link.name = ""
        link.email = ""
    db.session.flush()


def _erase_message(message: OutboxMessage) -> None:
    """A queued message is dropped; a sent or failed one keeps only that it was."""
    if message.status == "pending":
        db.session.delete(message)
        return
    message.to = ERASED
    message.subject = ""
    message.body_text = ""
    message.body_html = ""
    message.ics = None
    message.facts = None
    message.template = None


# --- the retention lane -----------------------------------------------------------------------


def due_bookings(now: datetime, limit: int = RETENTION_BATCH) -> list[Booking]:
    limit_end = cutoff(now, policy.privacy().retention_days)
    if limit_end is None:
        return []
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.anonymized_at.is_(None), Booking.end < limit_end)
            .order_by(Booking.end, Booking.id)
            .limit(limit)
        )
    )


def anonymize_due(now: datetime, batch: int = RETENTION_BATCH) -> int:
    """Anonymize one batch of the bookings the retention policy makes due; commit; return how
    many. Running it again finds none of them (idempotent)."""
    due = due_bookings(now, batch)
    for booking in due:
        anonymize(booking, now=now)
    db.session.commit()
    return len(due)


@lane("retention", interval=15.0, order=40)
def retention_lane(clock, stop=None) -> int:
    """Anonymize due bookings, a batch per transaction, until none are left (or told to stop)."""
    total = 0
    while stop is None or not stop.is_set():
        done = anonymize_due(clock())
        total += done
        if done < RETENTION_BATCH:
            break
    return total


# --- on request -------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export(email: str, *, now: datetime) -> dict:
    """Everything stored about the address, as JSON values."""
    email = checked_email(email)
    found = db.session.scalars(
        select(Booking).where(_with_address(Booking.attendee_email, email)).order_by(Booking.start)
    )
    queued = db.session.scalars(
        select(OutboxMessage)
        .where(_with_address(OutboxMessage.to, email), OutboxMessage.status == "pending")
        .order_by(OutboxMessage.created_at)
    )
    links = db.session.scalars(
        select(PrivateLink).where(_with_address(PrivateLink.email, email)).order_by(PrivateLink.id)
    )
    return {
        "email": email,
        "exported_at": now.isoformat(),
        "bookings": [
            {
                "uid": b.uid,
                "organizer": b.meeting_type.page.user.name,
                "meeting_type": b.meeting_type.title,
                "start": b.start.isoformat(),
                "end": b.end.isoformat(),
                "status": b.status,
                "name": b.attendee_name,
                "email": b.attendee_email,
                "note": b.note,
                "answers": list(b.answers or ()),
                "timezone": b.attendee_timezone,
                "consent_text": b.consent_text or "",
                "created_at": _iso(b.created_at),
            }
            for b in found
        ],
        "queued_messages": [
            {
                "subject": m.subject or (m.template or ""),
                "status": m.status,
                "created_at": _iso(m.created_at),
            }
            for m in queued
        ],
        "person_links": [
            {
                "meeting_type": link.meeting_type.title,
                "name": link.name,
                "email": link.email,
                "created_at": _iso(link.created_at),
                "expires_at": _iso(link.expires_at),
            }
            for link in links
        ],
    }


def erase(email: str, *, now: datetime) -> dict:
    """Erase the address: its future bookings cancelled (their organizers told, the attendee
    not), every booking anonymized, queued mail to it dropped; audited. Return the counts; the
    caller commits."""
    email = checked_email(email)
    found = list(
        db.session.scalars(
            select(Booking)
            .where(_with_address(Booking.attendee_email, email))
            .order_by(Booking.start, Booking.id)
        )
    )
    queued = select(func.count(OutboxMessage.id)).where(
        _with_address(OutboxMessage.to, email), OutboxMessage.status == "pending"
    )
    dropped = db.session.scalar(queued)  # before the cancellations write their own
    cancelled = 0
    for booking in found:
        if booking.status in ACTIVE and booking.end > now:
            try:
                bookings.cancel(booking, reason="", now=now, by=ERASED)
            except (BookingClosed, ChangeTooLate):
                continue
            cancelled += 1
    for message in db.session.scalars(
        select(OutboxMessage).where(_with_address(OutboxMessage.to, email))
    ):
        _erase_message(message)
    for booking in found:
        anonymize(booking, now=now, tell_organizer=True)
    links = 0
    for link in db.session.scalars(
        select(PrivateLink).where(_with_address(PrivateLink.email, email))
    ):
        link.name = ""
        link.email = ""
        links += 1
    counts = {
        "bookings": len(found),
        "cancelled": cancelled,
        "messages_dropped": dropped,
        "person_links": links,
    }
    audit.record(
        "attendee.erase",
        now=now,
        target_type="attendee",
        target=address_hash(email),
        after=counts,
        only_changes=False,
    )
    db.session.flush()
    return counts
