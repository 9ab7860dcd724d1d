"""The bookings feed: the organizer's bookings as a calendar, at an address with a secret in it."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ...domain.calendar_events import bookings_feed
from ...extensions import db
from ...models import Booking, BookingFeed, BookingPage, MeetingType
from .. import bookings

# Confirmed bookings from this far back, cancelled ones for this long.
FEED_PAST = timedelta(days=90)
FEED_CANCELLED = timedelta(days=30)


def feed_of(user_id: int) -> BookingFeed | None:
    """Return the organizer's bookings feed, or None when they have not made one."""
    return db.session.scalar(select(BookingFeed).where(BookingFeed.user_id == user_id))


def new_feed_secret(user_id: int, *, now: datetime) -> BookingFeed:
    """Make the organizer's feed address, or a new one: the old address stops working."""
    feed = feed_of(user_id)
    if feed is None:
        feed = BookingFeed(user_id=user_id, created_at=now)
        db.session.add(feed)
    feed.secret = secrets.token_urlsafe(24)
    feed.created_at = now
    db.session.flush()
    return feed


def feed_for_secret(secret: str) -> BookingFeed | None:
    """Return the feed of a secret from a feed address; None for an unknown one."""
    if not secret or len(secret) > 64:
        return None
    return db.session.scalar(select(BookingFeed).where(BookingFeed.secret == secret))


def feed_ics(feed: BookingFeed, *, now: datetime) -> bytes:
    """Return the organizer's bookings as a calendar: confirmed ones, and recent cancellations."""
    rows = db.session.scalars(
        select(Booking)
        .where(
            Booking.user_id == feed.user_id,
            or_(
                (Booking.status == "confirmed") & (Booking.end >= now - FEED_PAST),
                (Booking.status == "cancelled")
                & (Booking.cancelled_at >= now - FEED_CANCELLED)
                # not a request cancelled before it was answered: it was never in the feed
                & (Booking.pending_until.is_(None) | Booking.decided_at.is_not(None)),
            ),
        )
        .options(
            selectinload(Booking.meeting_type)
            .selectinload(MeetingType.page)
            .selectinload(BookingPage.user)
        )
        .order_by(Booking.start)
    )
    events = [(bookings.facts(b, for_attendee=False), b.note) for b in rows]
    page = db.session.scalar(select(BookingPage).where(BookingPage.user_id == feed.user_id))
    name = f"{page.display_name}: bookings" if page else "Bookings"
    return bookings_feed(events, stamp=now, name=name)
