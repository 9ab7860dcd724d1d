"""Reminders before a meeting: each one sent once, by whichever worker claims it first."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..jobs.lanes import lane
from ..models import Booking, MeetingType, ReminderSent
from ..schemas.meeting_types import REMINDERS
from .bookings import notify


def due_reminders(now: datetime) -> list[tuple[int, int]]:
    """List (booking id, minutes before) of the reminders due at now and not yet sent."""
    rows = db.session.execute(
        select(
            Booking.id,
            Booking.start,
            Booking.created_at,
            Booking.decided_at,
            Booking.meeting_type_id,
        )
        .where(
            Booking.status == "confirmed",
            Booking.start > now,
            Booking.start <= now + timedelta(minutes=REMINDERS["high"]),
        )
        .order_by(Booking.start)
    ).all()
    if not rows:
        return []
    sent = {
        (b, m)
        for b, m in db.session.execute(
            select(ReminderSent.booking_id, ReminderSent.minutes_before).where(
                ReminderSent.booking_id.in_([r.id for r in rows])
            )
        )
    }

    reminders = dict(
        db.session.execute(
            select(MeetingType.id, MeetingType.reminders_minutes).where(
                MeetingType.id.in_({r.meeting_type_id for r in rows})
            )
        ).all()
    )
    due = []
    for row in rows:
        for minutes in reminders.get(row.meeting_type_id) or ():
            moment = row.start - timedelta(minutes=minutes)
            # Only reminders whose moment has come, and came after the booking was made (a
            # request: after it was confirmed, with its invitation).
            made = row.decided_at or row.created_at
            if moment <= now and moment >= made and (row.id, minutes) not in sent:
                due.append((row.id, minutes))
    return due


@lane("reminders", interval=15.0, order=10)
def send_due_reminders(clock, stop=None) -> int:
    """Claim and queue the due reminders, one booking per transaction; return how many.

    When several reminders of one booking are due at once (the worker was stopped), only the one
    closest to the meeting is emailed; the others are marked sent so they never arrive late.
    """
    now = clock()
    by_booking: dict[int, list[int]] = {}
    for booking_id, minutes in due_reminders(now):
        by_booking.setdefault(booking_id, []).append(minutes)
    count = 0
    for booking_id, all_minutes in by_booking.items():
        for minutes in all_minutes:
            db.session.add(ReminderSent(booking_id=booking_id, minutes_before=minutes, sent_at=now))
        try:
            db.session.flush()  # the unique key: a second worker fails here and skips
        except IntegrityError:
            db.session.rollback()
            continue
        booking = db.session.get(Booking, booking_id)
        if booking is None or booking.status != "confirmed":
            db.session.rollback()
            continue
        notify(booking, "reminder", now=now)
        db.session.commit()
        count += 1
    return count
