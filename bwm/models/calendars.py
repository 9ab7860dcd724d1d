"""ORM rows of connected calendars: the calendars, their busy time, bookings to write back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .rows import Booking, UTCDateTime, now_utc


class ConnectedCalendar(db.Model):
    """One of an organizer's own calendars: an ICS feed or a CalDAV calendar."""

    __tablename__ = "connected_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "ics" or "caldav"
    url: Mapped[str] = mapped_column(String(2000))
    name: Mapped[str] = mapped_column(String(200), default="")
    username: Mapped[str] = mapped_column(String(254), default="")
    password_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)  # Fernet
    write_bookings: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, ok, error
    error: Mapped[str | None] = mapped_column(Text, nullable=True)  # None when the last try worked
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)  # good
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    next_sync_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class CalendarBusy(db.Model):
    """A busy interval read from a connected calendar at its last good sync."""

    __tablename__ = "calendar_busy"
    # As busy_blocks': the slot engine reads an organizer's busy time from the index alone.
    __table_args__ = (Index("ix_calendar_busy_user_id_end_start", "user_id", "end", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("connected_calendars.id", ondelete="CASCADE"), index=True
    )
    # The organizer again, so the slot engine reads busy time with one indexed query.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the event says, for calendar shares at "limited" (summary, location) or "full" detail.
    summary: Mapped[str] = mapped_column(String(500), default="", server_default="")
    location: Mapped[str] = mapped_column(String(500), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")


class CalendarWriteBack(db.Model):
    """A booking to put into (or remove from) a CalDAV calendar; the worker does it, with retries.

    The worker writes the booking as it is when the row is done, so a row is never stale:
    several rows for one booking just write the same thing again.
    """

    __tablename__ = "calendar_write_backs"

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("connected_calendars.id", ondelete="CASCADE"), index=True
    )
    booking_id: Mapped[int] = mapped_column(
        ForeignKey("bookings.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    calendar: Mapped[ConnectedCalendar] = relationship()
    booking: Mapped[Booking] = relationship()


class BookingFeed(db.Model):
    """The secret of an organizer's bookings feed (/feeds/<secret>.ics); a new one replaces it."""

    __tablename__ = "booking_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
