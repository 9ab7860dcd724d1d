"""Bookings: make one without double booking, reschedule, cancel; tell both sides by email."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, g, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from .. import mail
from ..domain.errors import BookingClosed, SlotTaken, ValidationFailed
from ..domain.invitations import BookingFacts, build_invitation
from ..domain.tokens import TokenError, TokenSigner
from ..extensions import db
from ..models import Booking, MeetingType, PrivateLink
from . import links, validate
from .locks import lock_organizer
from .organizers import normalize_email
from .slots import is_free

MANAGE_SALT = "bwm.manage"


# --- links ------------------------------------------------------------------------------------


def _signer() -> TokenSigner:
    return TokenSigner(current_app.config["SECRET_KEY"], MANAGE_SALT)


def manage_token(booking: Booking) -> str:
    return _signer().sign(booking.manage_token_id)


def booking_for_token(token: str) -> Booking:
    """Return the booking of a manage token; TokenError.invalid() when tampered or unknown.

    Looked up once per request (choosing the language asks before the view does).
    """
    seen = g.setdefault("bookings_by_token", {}) if has_request_context() else {}
    if token not in seen:
        token_id = _signer().unsign(token)
        booking = db.session.scalar(select(Booking).where(Booking.manage_token_id == token_id))
        if booking is None:
            raise TokenError.invalid()
        seen[token] = booking
    return seen[token]


def external_url(endpoint: str, **values) -> str:
    """Build an absolute URL on BASE_URL (links in emails), else on the request's host.

    Works outside a request too (the worker writes reminders): then BASE_URL, or localhost.
    """
    base = current_app.config.get("BASE_URL")
    if base is None and has_request_context():
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base or "http://localhost:5000")
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def manage_url(booking: Booking) -> str:
    return external_url("attendee.manage", token=manage_token(booking))


# --- checks -----------------------------------------------------------------------------------


def clean_booking(data: object) -> dict:
    """Check {"start", "name", "email", "note"?, "timezone"?} and name every bad field."""
    if not isinstance(data, dict):
        raise ValidationFailed({"body": "give a JSON object"})
    errors: dict[str, str] = {}
    cleaned: dict = {}
    checks = {
        "start": lambda: validate.aware_datetime(data, "start"),
        "name": lambda: validate.text(data, "name", required=True),
        "email": lambda: normalize_email(data.get("email") or ""),
        "note": lambda: validate.text(data, "note", max_length=2000),
        "timezone": lambda: validate.zone(data) if data.get("timezone") else None,
    }
    for field, check in checks.items():
        try:
            cleaned[field] = check()
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def online_meeting_url() -> str:
    room = secrets.token_hex(12)
    return current_app.config["ONLINE_MEETING_URL"].format(room=room)


# --- changes ----------------------------------------------------------------------------------


def book(
    mt: MeetingType,
    data: dict,
    *,
    now: datetime,
    language: str = "en",
    link: PrivateLink | None = None,
) -> Booking:
    """Book a slot of the type, re-checked under the organizer's lock; SlotTaken if not free.

    Through a private link, the link is checked (and a single-use one consumed) under the same
    lock and in the same transaction: TokenError (410) when it no longer works.
    """
    cleaned = clean_booking(data)
    start = cleaned["start"].astimezone(ZoneInfo("UTC"))
    user_id = mt.page.user_id
    booking = Booking(
        user_id=user_id,
        meeting_type_id=mt.id,
        start=start,
        end=start + timedelta(minutes=mt.duration_minutes),
        attendee_name=cleaned["name"],
        attendee_email=cleaned["email"],
        attendee_timezone=cleaned["timezone"] or mt.page.timezone,
        note=cleaned["note"],
        language=language,
        status="confirmed",
        uid=f"{uuid.uuid4()}@bwm",
        sequence=0,
        online_meeting_url=online_meeting_url() if mt.online_meeting else None,
        manage_token_id=secrets.token_urlsafe(18),
        private_link_id=link.id if link is not None else None,
        created_at=now,
    )
    booking.meeting_type = mt
    # The emails and invitations are written before the lock: other bookings of this organizer
    # wait for it, and nothing in them depends on what the check under it finds.
    outbox = mail.prepare(compose(booking, "booked", now=now), now=now)
    lock_organizer(user_id)
    if not is_free(mt, start, now=now):
        raise SlotTaken()
    if link is not None:
        links.consume(link, now=now)
    db.session.add(booking)
    mail.enqueue_prepared(outbox, now=now, after_commit=True)  # one flush writes all three
    if link is not None:
        links.record_booking(link, booking.id)
    queue_write_back(booking, "booked", now=now)
    return booking


def ensure_changeable(booking: Booking, now: datetime) -> None:
    if booking.status == "cancelled":
        raise BookingClosed("cancelled")
    if booking.start <= now:
        raise BookingClosed("past")


def reschedule(booking: Booking, start: datetime, *, now: datetime) -> Booking:
    """Move a booking to another free start of its type; its old time is freed."""
    lock_organizer(booking.user_id)
    db.session.refresh(booking)
    ensure_changeable(booking, now)
    start = start.astimezone(ZoneInfo("UTC"))
    mt = booking.meeting_type
    if not is_free(mt, start, now=now, exclude_booking=booking.id):
        raise SlotTaken()
    booking.start = start
    booking.end = start + timedelta(minutes=mt.duration_minutes)
    booking.sequence += 1
    db.session.flush()
    notify(booking, "rescheduled", now=now)
    return booking


def cancel(booking: Booking, *, reason: str, now: datetime, by: str) -> Booking:
    """Cancel a booking (by "attendee" or "organizer") and tell both sides."""
    lock_organizer(booking.user_id)
    db.session.refresh(booking)
    ensure_changeable(booking, now)
    reason = validate.text({"reason": reason}, "reason", max_length=2000)
    booking.status = "cancelled"
    booking.cancel_reason = reason
    booking.cancelled_at = now
    booking.sequence += 1
    db.session.flush()
    notify(booking, "cancelled", now=now, by=by)
    return booking


# --- what people see --------------------------------------------------------------------------


def booking_to_dict(booking: Booking) -> dict:
    tz = ZoneInfo(booking.attendee_timezone)
    return {
        "uid": booking.uid,
        "start": booking.start.astimezone(tz).isoformat(),
        "end": booking.end.astimezone(tz).isoformat(),
        "status": booking.status,
        "meeting_type": booking.meeting_type.slug,
        "attendee": {
            "name": booking.attendee_name,
            "email": booking.attendee_email,
            "timezone": booking.attendee_timezone,
        },
        "note": booking.note,
        "online_meeting_url": booking.online_meeting_url,
    }


def location_text(mt: MeetingType) -> str:
    if mt.location_kind in ("in_person", "phone"):
        return mt.location
    return ""


def facts(booking: Booking, *, for_attendee: bool, manage: str | None = None) -> BookingFacts:
    """What an invitation says; `manage` is the manage URL when the caller has it already."""
    mt = booking.meeting_type
    organizer = mt.page.user
    return BookingFacts(
        uid=booking.uid,
        sequence=booking.sequence,
        start=booking.start,
        end=booking.end,
        title=_(
            "%(title)s: %(organizer)s and %(attendee)s",
            title=mt.title,
            organizer=organizer.name,
            attendee=booking.attendee_name,
        ),
        description=mt.description,
        location=location_text(mt),
        online_meeting_url=booking.online_meeting_url,
        organizer_name=organizer.name,
        organizer_email=organizer.email,
        attendee_name=booking.attendee_name,
        attendee_email=booking.attendee_email,
        created=booking.created_at,
        manage_url=(manage or manage_url(booking)) if for_attendee else None,
        cancelled=booking.status == "cancelled",
        online_label=_("Online meeting"),
        manage_label=_("Reschedule or cancel"),
    )


def invitation(
    booking: Booking, *, for_attendee: bool, now: datetime, manage: str | None = None
) -> bytes:
    method = "CANCEL" if booking.status == "cancelled" else "REQUEST"
    return build_invitation(
        facts(booking, for_attendee=for_attendee, manage=manage), method, stamp=now
    )


def notify(booking: Booking, kind: str, *, now: datetime, by: str = "attendee") -> None:
    """Write the attendee's and the organizer's emails to the outbox, in this transaction.

    A booking, a move or a cancellation carries the invitation; a reminder doesn't.
    """
    post(booking, compose(booking, kind, now=now, by=by), kind, now=now)


def compose(
    booking: Booking, kind: str, *, now: datetime, by: str = "attendee"
) -> list[mail.Email]:
    """Render the attendee's email (in their booking language) and the organizer's (in theirs),
    not yet in the outbox."""
    mt = booking.meeting_type
    organizer = mt.page.user
    method = "CANCEL" if booking.status == "cancelled" else "REQUEST"
    with_ics = kind != "reminder"
    manage = manage_url(booking)
    drafts = []
    for role in ("attendee", "organizer"):
        to_attendee = role == "attendee"
        language = booking.language if to_attendee else organizer.language
        tz = ZoneInfo(booking.attendee_timezone if to_attendee else mt.page.timezone)
        context = {
            "booking": booking,
            "mt": mt,
            "organizer": organizer,
            "kind": kind,
            "by": by,
            "role": role,
            "start": booking.start.astimezone(tz),
            "end": booking.end.astimezone(tz),
            "tz": tz.key,
            "manage_url": manage if to_attendee else None,
            "location": location_text(mt),
        }
        with force_locale(language):
            drafts.append(
                mail.Email(
                    to=booking.attendee_email if to_attendee else organizer.email,
                    subject=render_template("email/subject.txt", **context).strip(),
                    text=render_template("email/booking.txt", **context),
                    html=render_template("email/booking.html", **context),
                    ics=invitation(booking, for_attendee=to_attendee, now=now, manage=manage)
                    if with_ics
                    else None,
                    ics_method=method if with_ics else None,
                )
            )
    return drafts


def post(booking: Booking, drafts: list[mail.Email], kind: str, *, now: datetime) -> None:
    """Put the drafts in the outbox and queue the calendar write-back, in this transaction."""
    mail.enqueue_all(drafts, now=now, after_commit=True)
    queue_write_back(booking, kind, now=now)


def queue_write_back(booking: Booking, kind: str, *, now: datetime) -> None:
    """Queue the change for the organizer's CalDAV calendars that receive bookings."""
    from . import calendars  # not at the top: calendars imports this module

    calendars.queue_write_back(booking, kind, now=now)


def deliver_now(now: datetime) -> None:
    """Send this request's emails right after its commit; the worker retries what fails."""

    try:
        mail.deliver_after_commit(now)
    except Exception:  # noqa: BLE001 - the booking stands; the worker delivers later
        current_app.logger.exception("delivering right after commit failed; the worker retries")
        db.session.rollback()
