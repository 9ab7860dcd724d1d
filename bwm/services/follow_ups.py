"""Follow-up emails (SPEC §9): one to the attendee a while after a meeting ends, when its type
asks for it; never for a meeting that was cancelled or declined. Each is sent once, by whichever
worker claims it first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from .. import outbox
from ..core.urls import external_url
from ..extensions import db
from ..jobs.lanes import lane
from ..models import Booking, MeetingType
from .bookings import drafts

# A follow-up not sent within a day of its moment (the worker was stopped) is not sent late.
GRACE = timedelta(days=1)
# The longest follow_up_minutes (schemas/meeting_types.py) plus the grace: how far back to look.
REACH = timedelta(minutes=43200) + GRACE
BATCH = 100


def due_follow_ups(now: datetime) -> list[int]:
    """The ids of the confirmed bookings whose follow-up is due at now and not yet sent."""
    rows = db.session.execute(
        select(Booking.id, Booking.end, MeetingType.follow_up_minutes)
        .join(MeetingType, Booking.meeting_type_id == MeetingType.id)
        .where(
            Booking.status == "confirmed",
            Booking.follow_up_sent_at.is_(None),
            MeetingType.follow_up_minutes.is_not(None),
            Booking.end <= now,
            Booking.end > now - REACH,
        )
        .order_by(Booking.end)
    ).all()
    due = []
    for booking_id, end, minutes in rows:
        moment = end + timedelta(minutes=minutes)
        if moment <= now < moment + GRACE:
            due.append(booking_id)
    return due[:BATCH]


@lane("follow_ups", interval=30.0, order=15)
def send_due_follow_ups(clock, stop=None) -> int:
    """Claim and queue the due follow-ups, one booking per transaction; return how many."""
    now = clock()
    count = 0
    for booking_id in due_follow_ups(now):
        claimed = db.session.execute(
            update(Booking)
            .where(
                Booking.id == booking_id,
                Booking.follow_up_sent_at.is_(None),
                Booking.status == "confirmed",
            )
            .values(follow_up_sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:  # another worker sent it, or it was cancelled meanwhile
            db.session.rollback()
            continue
        booking = db.session.get(Booking, booking_id)
        attendee = drafts(booking, "follow_up", now=now)[0]
        page = booking.meeting_type.page
        attendee.facts["page_url"] = external_url("attendee.page", slug=page.slug)
        outbox.enqueue_all([attendee], now=now)
        db.session.commit()
        count += 1
        if stop is not None and stop.is_set():
            break
    return count
