"""ORM rows. No business rules here: those live in domain/ and services/."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


def now_utc() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """An aware datetime stored as naive UTC, the same on SQLite and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    licensed: Mapped[bool] = mapped_column(Boolean, default=True)
    # On the organization's allow list / block list; which one counts is OrgSettings.user_policy.
    allow_listed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    block_listed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The language of the organizer's own emails and pages (en, sv, da, nl).
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # Raised in the transaction of any change to what this user's public pages and slots show
    # (bwm/services/versions.py); answers cached under an older version are never served.
    data_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    page: Mapped[BookingPage | None] = relationship(back_populates="user", uselist=False)

    def get_id(self) -> str:
        """The id a session (and a "keep me signed in" cookie) keeps: with a fingerprint of
        the password, so a new password signs every other session out."""
        return f"{self.id}.{password_fingerprint(self.password_hash)}"


def password_fingerprint(password_hash: str) -> str:
    """A short digest of the stored (salted, slow) hash: it tells nothing of the password."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class BookingPage(db.Model):
    __tablename__ = "booking_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    welcome: Mapped[str] = mapped_column(Text, default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    # The language visitors get when neither ?lang, a remembered choice nor their browser decides.
    default_language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    # SPEC §12: the page's look. A colour as #rrggbb (None: bwm's own), a built-in banner's name.
    brand_color: Mapped[str | None] = mapped_column(String(7), nullable=True)
    banner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    user: Mapped[User] = relationship(back_populates="page")
    windows: Mapped[list[HoursWindow]] = relationship(
        order_by="(HoursWindow.weekday, HoursWindow.start_minute)",
        cascade="all, delete-orphan",
        primaryjoin="HoursWindow.page_id == BookingPage.id",
    )
    meeting_types: Mapped[list[MeetingType]] = relationship(
        back_populates="page",
        order_by="(MeetingType.position, MeetingType.id)",
        cascade="all, delete-orphan",
    )


class MeetingType(db.Model):
    __tablename__ = "meeting_types"
    __table_args__ = (UniqueConstraint("page_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("booking_pages.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    location_kind: Mapped[str] = mapped_column(String(16), default="none")
    location: Mapped[str] = mapped_column(String(500), default="")
    online_meeting: Mapped[bool] = mapped_column(Boolean, default=False)
    custom_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=0)
    max_days_ahead: Mapped[int] = mapped_column(Integer, default=60)
    slot_step_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_per_day: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reminders_minutes: Mapped[list] = mapped_column(JSON, default=list)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    position: Mapped[int] = mapped_column(Integer, default=0)
    # SPEC §9: what the booking form asks (a list of questions as schemas/questions.py loads them).
    questions: Mapped[list] = mapped_column(JSON, default=list)
    requires_confirmation: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    pending_hours: Mapped[int] = mapped_column(Integer, default=48, server_default="48")
    attendee_change_cutoff_minutes: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0"
    )
    # Every length the attendee may choose, duration_minutes among them; [] is that one only.
    durations_minutes: Mapped[list] = mapped_column(JSON, default=list)
    max_per_week: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_per_month: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # None: every connected calendar blocks the type; else the ids of those that do.
    blocking_calendars: Mapped[list | None] = mapped_column(JSON, nullable=True)
    color: Mapped[str | None] = mapped_column(String(7), nullable=True)
    reminder_message: Mapped[str] = mapped_column(Text, default="", server_default="")
    follow_up_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    follow_up_message: Mapped[str] = mapped_column(Text, default="", server_default="")
    # SPEC §11: a booking is held as "unverified" until the attendee confirms their address.
    verify_email: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    page: Mapped[BookingPage] = relationship(back_populates="meeting_types")
    windows: Mapped[list[HoursWindow]] = relationship(
        order_by="(HoursWindow.weekday, HoursWindow.start_minute)",
        cascade="all, delete-orphan",
        primaryjoin="HoursWindow.meeting_type_id == MeetingType.id",
    )
    overrides: Mapped[list[DateOverride]] = relationship(
        order_by="(DateOverride.day, DateOverride.start_minute)", cascade="all, delete-orphan"
    )


class HoursWindow(db.Model):
    """One weekly window of working hours, of a page or of a meeting type with its own hours."""

    __tablename__ = "hours_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int | None] = mapped_column(
        ForeignKey("booking_pages.id", ondelete="CASCADE"), nullable=True, index=True
    )
    meeting_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_types.id", ondelete="CASCADE"), nullable=True, index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)  # up to 1440 (24:00)


class DateOverride(db.Model):
    """Other hours on one date; a row with no times is a day off."""

    __tablename__ = "date_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_type_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_types.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    start_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)


class BusyBlock(db.Model):
    __tablename__ = "busy_blocks"
    # The slot engine reads an organizer's busy time from this index alone, from the range's
    # start on (the past behind it, however long, is never walked).
    __table_args__ = (Index("ix_busy_blocks_user_id_end_start", "user_id", "end", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class Booking(db.Model):
    __tablename__ = "bookings"
    # Busy time for the slot engine: the organizer's bookings that end after the range starts.
    __table_args__ = (
        Index("ix_bookings_user_id_end", "user_id", "end"),
        # The retention pass: bookings not yet anonymized that ended before a cut-off.
        Index("ix_bookings_anonymized_at_end", "anonymized_at", "end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    meeting_type_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_types.id", ondelete="RESTRICT"), index=True
    )
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    attendee_name: Mapped[str] = mapped_column(String(200))
    attendee_email: Mapped[str] = mapped_column(String(254))
    attendee_timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    note: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    status: Mapped[str] = mapped_column(String(16), default="confirmed", index=True)
    uid: Mapped[str] = mapped_column(String(255), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    online_meeting_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    manage_token_id: Mapped[str] = mapped_column(String(64), unique=True)
    # The private link it was booked through. No foreign key: adding one to this existing table
    # needs a table rebuild on SQLite, whose DROP would cascade-delete reminders_sent rows.
    # Links are only deleted with their meeting type, which can't be deleted while it has bookings.
    private_link_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The answers to the type's questions as they were asked: [{"id", "label", "kind", "value"}].
    answers: Mapped[list] = mapped_column(JSON, default=list)
    # A request (status "pending") is declined by the worker when still undecided at this time.
    pending_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decline_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The organizer asked the attendee to pick another time (the booking stands until they do).
    reschedule_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    follow_up_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # SPEC §11: the consent text the attendee agreed to ("" when none was asked for).
    consent_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # An "unverified" booking is released by the worker when not confirmed by this time.
    verify_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The attendee's personal data was erased (retention or on request): anonymous history.
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    meeting_type: Mapped[MeetingType] = relationship()

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class PrivateLink(db.Model):
    """A signed link to one meeting type; single-use ones are consumed by their first booking."""

    __tablename__ = "private_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_type_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_types.id", ondelete="CASCADE"), index=True
    )
    token_id: Mapped[str] = mapped_column(String(64), unique=True)
    single_use: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    used_booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"), nullable=True
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A link for one person: the booking form opens with their name and email filled in.
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")

    meeting_type: Mapped[MeetingType] = relationship()


class OrgSettings(db.Model):
    """The organization's policy: one row (id 1). The migration makes it with SPEC §3's defaults;
    while it is missing, the defaults apply and the first change makes it again."""

    __tablename__ = "org_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    bookings_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    user_policy: Mapped[str] = mapped_column(String(8), default="none")  # none, allow, block
    external_sharing: Mapped[bool] = mapped_column(Boolean, default=True)
    anonymous_sharing: Mapped[bool] = mapped_column(Boolean, default=True)
    max_detail: Mapped[str] = mapped_column(String(16), default="free_busy")
    # SPEC §11: erase attendees' data this many days after a booking ends (None: keep).
    retention_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # SPEC §11: the text of the booking forms' required consent checkbox ("" : none asked).
    consent_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class UserInvite(db.Model):
    """A signed link an admin sent to a new user to set their password; it works once."""

    __tablename__ = "user_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class CalendarShare(db.Model):
    """An organizer's calendar shared with one email address at a level of detail."""

    __tablename__ = "calendar_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    detail: Mapped[str] = mapped_column(String(16))  # free_busy, limited, full: as asked for
    token_id: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A bearer token for the organizer API; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # What the organizer said it is for ("Zapier"), to tell their tokens apart; may be empty.
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class EmailChange(db.Model):
    """A new sign-in address waiting to be confirmed from the signed link sent to it; works once."""

    __tablename__ = "email_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_id: Mapped[str] = mapped_column(String(64), unique=True)
    new_email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Withdrawn by a newer request or a new password before it was used.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[User] = relationship()


class OutboxMessage(db.Model):
    """An email written in the transaction of the change that causes it, delivered later."""

    __tablename__ = "outbox"
    # The mail lane asks for due messages every half second.
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(500))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    ics: Mapped[str | None] = mapped_column(Text, nullable=True)
    ics_method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The first failure of the current run of failures; a day of them marks the message failed.
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A booking's email is stored as the facts it is built from, by the composer named here.
    template: Mapped[str | None] = mapped_column(String(32), nullable=True)
    facts: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON


class WorkerLane(db.Model):
    """The last pass of one lane of the worker (mail, reminders, ...): the worker's heartbeat."""

    __tablename__ = "worker_lanes"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    worker: Mapped[str] = mapped_column(String(200), default="")  # host and process id
    last_pass_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


class ReminderSent(db.Model):
    """One reminder of one booking, sent; the unique key lets only one worker send it."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("booking_id", "minutes_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    minutes_before: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)


class PageImage(db.Model):
    """A page's photo or uploaded banner (SPEC §12), as re-encoded here: no upload's own bytes
    (metadata, scripts) survive. One of each kind per page."""

    __tablename__ = "page_images"
    __table_args__ = (UniqueConstraint("page_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("booking_pages.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "photo" or "banner"
    mimetype: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(16))  # the data's hash: the URL changes with it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
