"""Bookings: make one without double booking, reschedule, cancel; tell both sides by email
(the outbox rows are written here; the worker builds and sends them)."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from .. import outbox
from ..core import signing
from ..core.locks import lock_organizer
from ..core.signals import booking_changed
from ..core.urls import external_url
from ..domain.colors import palette
from ..domain.errors import (
    BookingClosed,
    ChangeTooLate,
    SlotTaken,
)
from ..domain.invitations import BookingFacts, build_invitation
from ..domain.questions import answer_text, answered, check_answers, check_consent
from ..domain.tokens import TokenError, TokenSigner
from ..extensions import db
from ..models import Booking, MeetingType, PrivateLink
from ..outbox import Draft, Email
from ..schemas import load
from ..schemas.bookings import BookingIn
from . import bot_checks, images, links, policy
from .slots import duration_of, is_free

MANAGE_SALT = "bwm.manage"
DEFAULT_BRAND = "#0b5cad"  # bwm's own blue (bwm.css --accent)
DECIDE_SALT = "bwm.decide"
DECISIONS = ("confirm", "decline")


# --- links ------------------------------------------------------------------------------------


def _signer() -> TokenSigner:
    return signing.signer(MANAGE_SALT)


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


def manage_url(booking: Booking) -> str:
    return external_url("attendee.manage", token=manage_token(booking))


def decision_token(booking: Booking, decision: str) -> str:
    """Sign the organizer's one-click answer to a request: the token itself authorizes it."""
    return signing.signer(DECIDE_SALT).sign([booking.uid, decision])


def decision_for_token(token: str) -> tuple[Booking, str]:
    """Return the request and the answer ("confirm" or "decline") a decision token names."""
    payload = signing.signer(DECIDE_SALT).unsign(token)
    if not (isinstance(payload, list) and len(payload) == 2 and payload[1] in DECISIONS):
        raise TokenError.invalid()
    booking = db.session.scalar(select(Booking).where(Booking.uid == str(payload[0])))
    if booking is None:
        raise TokenError.invalid()
    return booking, payload[1]


def decision_url(booking: Booking, decision: str, *, language: str) -> str:
    return external_url("attendee.decide", token=decision_token(booking, decision), lang=language)


# The email check (SPEC §11; services/verifications.py confirms and releases).
VERIFY_SALT = "bwm.verify"
VERIFY_HOLD = timedelta(minutes=30)  # how long an unconfirmed booking holds its time


def hold_until(start: datetime, now: datetime) -> datetime:
    """When an unconfirmed booking is released: 30 minutes on, never past its start."""
    return min(now + VERIFY_HOLD, start)


def verify_url(booking: Booking) -> str:
    token = signing.signer(VERIFY_SALT).sign(booking.uid)
    return external_url("attendee.verify", token=token)


def verify_draft(booking: Booking, *, now: datetime) -> Draft:
    """The attendee's email with the link that confirms their address (no invitation yet)."""
    snap = snapshot(booking, manage=None, stamp=now)
    snap.update(
        kind="verify",
        by="attendee",
        role="attendee",
        verify_url=verify_url(booking),
        verify_until=booking.verify_until.isoformat(),
    )
    return Draft(booking.attendee_email, "booking", snap)


# --- checks -----------------------------------------------------------------------------------


def chosen_duration(mt: MeetingType, minutes: int | None) -> int:
    """The length asked for, one of the type's; its default when none is asked for."""
    return duration_of(mt, minutes, "duration_minutes") or mt.duration_minutes


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
    cleaned = load(BookingIn, data)
    minutes = chosen_duration(mt, cleaned["duration_minutes"])
    answers = check_answers(mt.questions or (), cleaned["answers"])
    consent_text = check_consent(policy.privacy().consent_text, cleaned["consent"])
    if bot_checks.enabled():
        bot_checks.spend(cleaned["altcha"], now)
    start = cleaned["start"].astimezone(ZoneInfo("UTC"))
    user_id = mt.page.user_id
    booking = Booking(
        user_id=user_id,
        meeting_type_id=mt.id,
        start=start,
        end=start + timedelta(minutes=minutes),
        answers=answers,
        consent_text=consent_text,
        attendee_name=cleaned["name"],
        attendee_email=cleaned["email"],
        attendee_timezone=cleaned["timezone"] or mt.page.timezone,
        note=cleaned["note"],
        language=language,
        # A request holds its slot until the organizer answers, or the worker declines it; with
        # the email check, it holds as "unverified" first (its request clock starts then).
        status=_first_status(mt),
        pending_until=(
            min(now + timedelta(hours=mt.pending_hours), start)
            if mt.requires_confirmation and not mt.verify_email
            else None
        ),
        verify_until=hold_until(start, now) if mt.verify_email else None,
        uid=f"{uuid.uuid4()}@bwm",
        sequence=0,
        online_meeting_url=online_meeting_url() if mt.online_meeting else None,
        manage_token_id=secrets.token_urlsafe(18),
        private_link_id=link.id if link is not None else None,
        created_at=now,
    )
    booking.meeting_type = mt
    # The outbox rows are made before the lock: other bookings of this organizer wait for it,
    # and nothing in them depends on what the check under it finds.
    if booking.status == "unverified":  # only the attendee hears of it, until they confirm
        rows = outbox.prepare([verify_draft(booking, now=now)], now=now)
    else:
        kind = "requested" if booking.status == "pending" else "booked"
        rows = outbox.prepare(drafts(booking, kind, now=now), now=now)
    lock_organizer(user_id)
    if not is_free(mt, start, now=now, duration=minutes):
        raise SlotTaken()
    if link is not None:
        links.consume(link, now=now)
    db.session.add(booking)
    outbox.enqueue_prepared(rows)  # one flush writes all three
    if link is not None:
        links.record_booking(link, booking.id)
    if booking.status != "unverified":
        booking_changed.send(booking, kind="booked", now=now)
    return booking


def _first_status(mt: MeetingType) -> str:
    if mt.verify_email:
        return "unverified"
    return "pending" if mt.requires_confirmation else "confirmed"


def ensure_changeable(booking: Booking, now: datetime) -> None:
    if booking.status in ("cancelled", "declined", "released"):
        raise BookingClosed(booking.status)
    if booking.start <= now:
        raise BookingClosed("past")


def was_invited(booking: Booking) -> bool:
    """Tell whether invitations of the booking went out: not for a request never confirmed."""
    if booking.pending_until is None:
        return True
    return booking.decided_at is not None and booking.status != "declined"


def confirm(booking: Booking, *, now: datetime) -> Booking:
    """Approve a request: it is confirmed and both sides get their invitations."""
    _ensure_pending(booking, now)
    booking.status = "confirmed"
    booking.decided_at = now
    db.session.flush()
    notify(booking, "confirmed", now=now, by="organizer")
    return booking


def decline(booking: Booking, *, reason: str, now: datetime, by: str = "organizer") -> Booking:
    """Decline a request (by the "organizer", or the "worker" when undecided in time): its time
    is free again and the attendee is told. No invitation went out, so none is withdrawn."""
    _ensure_pending(booking, now, past_ok=by == "worker")
    booking.status = "declined"
    booking.decided_at = now
    booking.decline_reason = reason
    db.session.flush()
    attendee_email = drafts(booking, "declined", now=now, by=by)[0]
    outbox.enqueue_all([attendee_email], now=now)
    booking_changed.send(booking, kind="declined", now=now)
    return booking


def _ensure_pending(booking: Booking, now: datetime, *, past_ok: bool = False) -> None:
    """Re-read the request under its organizer's lock; BookingClosed unless it awaits an answer.

    The lock makes the organizer's answer and the worker's expiry (or two workers) one after
    the other, so a request is decided once.
    """
    lock_organizer(booking.user_id)
    db.session.refresh(booking)
    if booking.status == "cancelled":
        raise BookingClosed("cancelled")
    if booking.status != "pending":
        raise BookingClosed("decided")
    if booking.start <= now and not past_ok:
        raise BookingClosed("past")


def change_cutoff(booking: Booking) -> datetime | None:
    """The last moment the attendee may move or cancel the booking themselves (SPEC §9), or None
    when they may until the start. Once the organizer asks them to pick a new time, they may."""
    minutes = booking.meeting_type.attendee_change_cutoff_minutes
    if not minutes or booking.reschedule_requested_at is not None:
        return None
    return booking.start - timedelta(minutes=minutes)


def ensure_attendee_may_change(booking: Booking, now: datetime) -> None:
    """ChangeTooLate when the type's cut-off has passed (the organizer may still change it)."""
    cutoff = change_cutoff(booking)
    if cutoff is not None and now >= cutoff:
        raise ChangeTooLate(booking.meeting_type.attendee_change_cutoff_minutes)


def reschedule(
    booking: Booking, start: datetime, *, now: datetime, by: str = "attendee"
) -> Booking:
    """Move a booking to another free start of its type; its old time is freed. The attendee
    may not after the type's cut-off; the organizer may."""
    lock_organizer(booking.user_id)
    db.session.refresh(booking)
    ensure_changeable(booking, now)
    if by == "attendee":
        ensure_attendee_may_change(booking, now)
    if booking.status in ("pending", "unverified"):
        raise BookingClosed(booking.status)  # it can be cancelled, not moved, until answered
    start = start.astimezone(ZoneInfo("UTC"))
    mt = booking.meeting_type
    minutes = booking.duration_minutes
    if not is_free(mt, start, now=now, exclude_booking=booking.id, duration=minutes):
        raise SlotTaken()
    booking.start = start
    booking.end = start + timedelta(minutes=minutes)
    booking.sequence += 1
    booking.reschedule_requested_at = None  # a new time is picked: the request is answered
    db.session.flush()
    notify(booking, "rescheduled", now=now, by=by)
    return booking


def request_reschedule(booking: Booking, *, message: str, now: datetime) -> Booking:
    """The organizer asks the attendee to pick a new time: they get a link to the picker; the
    booking stands until they do (the type's cut-off no longer stops them)."""
    lock_organizer(booking.user_id)
    db.session.refresh(booking)
    ensure_changeable(booking, now)
    if booking.status != "confirmed":
        raise BookingClosed("pending")
    booking.reschedule_requested_at = now
    db.session.flush()
    attendee = drafts(booking, "reschedule_requested", now=now, by="organizer")[0]
    token = manage_token(booking)
    attendee.facts["reschedule_url"] = external_url("attendee.manage_reschedule", token=token)
    attendee.facts["message"] = message
    outbox.enqueue_all([attendee], now=now)
    return booking


def cancel(booking: Booking, *, reason: str, now: datetime, by: str) -> Booking:
    """Cancel a booking (by "attendee" or "organizer", the reason checked) and tell both sides.
    The attendee may not after the type's cut-off; the organizer may."""
    lock_organizer(booking.user_id)
    db.session.refresh(booking)
    ensure_changeable(booking, now)
    if by == "attendee" and booking.status == "confirmed":
        ensure_attendee_may_change(booking, now)
    unverified = booking.status == "unverified"
    booking.status = "cancelled"
    booking.cancel_reason = reason
    booking.cancelled_at = now
    booking.sequence += 1
    db.session.flush()
    if not unverified:  # a hold nobody but the attendee heard of goes quietly
        notify(booking, "cancelled", now=now, by=by)
    return booking


# --- what people see --------------------------------------------------------------------------


def details(booking: Booking) -> dict:
    """What a page showing one booking's details (_booking_details.html) needs: its times in
    the organizer's and the attendee's zones, where it is, and the answers."""
    mt = booking.meeting_type
    tz = ZoneInfo(mt.page.timezone)
    attendee_tz = ZoneInfo(booking.attendee_timezone)
    return {
        "booking": booking,
        "mt": mt,
        "page": mt.page,
        "tz": tz,
        "attendee_tz": attendee_tz,
        "start": booking.start.astimezone(tz),
        "end": booking.end.astimezone(tz),
        "attendee_start": booking.start.astimezone(attendee_tz),
        "attendee_end": booking.end.astimezone(attendee_tz),
        "created": booking.created_at.astimezone(tz),
        "cancelled": booking.cancelled_at.astimezone(tz) if booking.cancelled_at else None,
        "location": location_text(mt),
        "answers": answer_lines(booking.answers),
        "consent_text": booking.consent_text or "",
    }


def location_text(mt: MeetingType) -> str:
    if mt.location_kind in ("in_person", "phone"):
        return mt.location
    return ""


def snapshot(booking: Booking, *, manage: str | None = None, stamp: datetime) -> dict:
    """What the booking, its type and its organizer say now, as plain JSON values.

    The emails of a change are built from this in the worker, so they say what was true at the
    change; invitations, the calendar write-back and the feed are built from it too.
    """
    mt = booking.meeting_type
    organizer = mt.page.user
    return {
        "booking": {
            "uid": booking.uid,
            "sequence": booking.sequence,
            "start": booking.start.isoformat(),
            "end": booking.end.isoformat(),
            "status": booking.status,
            "attendee_name": booking.attendee_name,
            "attendee_email": booking.attendee_email,
            "attendee_timezone": booking.attendee_timezone,
            "note": booking.note,
            "online_meeting_url": booking.online_meeting_url,
            "cancel_reason": booking.cancel_reason or "",
            "decline_reason": booking.decline_reason or "",
            "pending_until": booking.pending_until.isoformat() if booking.pending_until else None,
            "invited": was_invited(booking),
            "created_at": booking.created_at.isoformat(),
            "language": booking.language,
            "duration_minutes": booking.duration_minutes,
            "answers": list(booking.answers or ()),
            "consent_text": booking.consent_text or "",
        },
        "type": {
            "title": mt.title,
            "description": mt.description,
            "location": location_text(mt),
            "color": mt.color,
            "reminder_message": mt.reminder_message,
            "follow_up_message": mt.follow_up_message,
        },
        "organizer": {
            "name": organizer.name,
            "email": organizer.email,
            "language": organizer.language,
        },
        "page_timezone": mt.page.timezone,
        "brand_color": mt.page.brand_color,
        "photo_url": _photo_url(mt.page),
        "manage_url": manage,
        "stamp": stamp.isoformat(),
    }


def _photo_url(page) -> str | None:
    """The organizer's photo for the emails, by its absolute versioned URL (None: no photo)."""
    version = images.versions(page).get("photo")
    if version is None:
        return None
    return external_url("attendee.page_image", slug=page.slug, kind="photo", v=version)


def facts(booking: Booking, *, for_attendee: bool, manage: str | None = None) -> BookingFacts:
    """What an invitation says; `manage` is the manage URL when the caller has it already."""
    if for_attendee and manage is None:
        manage = manage_url(booking)
    return snapshot_facts(snapshot(booking, manage=manage, stamp=booking.created_at), for_attendee)


def snapshot_facts(snap: dict, for_attendee: bool) -> BookingFacts:
    """What an invitation says, from a snapshot, with labels in the current language."""
    b, mt, organizer = snap["booking"], snap["type"], snap["organizer"]
    return BookingFacts(
        uid=b["uid"],
        sequence=b["sequence"],
        start=datetime.fromisoformat(b["start"]),
        end=datetime.fromisoformat(b["end"]),
        title=_(
            "%(title)s: %(organizer)s and %(attendee)s",
            title=mt["title"],
            organizer=organizer["name"],
            attendee=b["attendee_name"],
        ),
        description=mt["description"],
        location=mt["location"],
        online_meeting_url=b["online_meeting_url"],
        organizer_name=organizer["name"],
        organizer_email=organizer["email"],
        attendee_name=b["attendee_name"],
        attendee_email=b["attendee_email"],
        created=datetime.fromisoformat(b["created_at"]),
        manage_url=snap["manage_url"] if for_attendee else None,
        cancelled=b["status"] == "cancelled",
        online_label=_("Online meeting"),
        manage_label=_("Reschedule or cancel"),
        answers=answer_lines(b.get("answers")),
        note=b["note"],
        note_label=_("Note"),
        color=mt.get("color"),
        category=mt["title"],
    )


def answer_lines(stored) -> tuple[tuple[str, str], ...]:
    """The answers worth showing, as (label, text) in the current language."""
    return tuple(
        (answer["label"], answer_text(answer, yes=_("Yes"), no=_("No")))
        for answer in answered(stored)
    )


def invitation(
    booking: Booking, *, for_attendee: bool, now: datetime, manage: str | None = None
) -> bytes:
    method = "CANCEL" if booking.status == "cancelled" else "REQUEST"
    return build_invitation(
        facts(booking, for_attendee=for_attendee, manage=manage), method, stamp=now
    )


def notify(booking: Booking, kind: str, *, now: datetime, by: str = "attendee") -> None:
    """Write the attendee's and the organizer's emails to the outbox, in this transaction, and
    tell the features that follow bookings (the calendar write-back). A booking, a move or a
    cancellation carries the invitation; a reminder doesn't."""
    outbox.enqueue_all(drafts(booking, kind, now=now, by=by), now=now)
    booking_changed.send(booking, kind=kind, now=now)


def drafts(booking: Booking, kind: str, *, now: datetime, by: str = "attendee") -> list[Draft]:
    """The attendee's and the organizer's emails of a change, as facts for the worker."""
    snap = snapshot(booking, manage=manage_url(booking), stamp=now)
    snap.update(kind=kind, by=by)
    organizer_email = snap["organizer"]["email"]
    organizer_snap = {**snap, "role": "organizer"}
    if kind == "requested":
        language = snap["organizer"]["language"]
        organizer_snap["decide_urls"] = {
            decision: decision_url(booking, decision, language=language) for decision in DECISIONS
        }
    return [
        Draft(booking.attendee_email, "booking", {**snap, "role": "attendee"}),
        Draft(organizer_email, "booking", organizer_snap),
    ]


# The emails of these kinds carry no invitation (a follow-up comes after the meeting).
NO_INVITATION = ("verify", "reminder", "requested", "declined", "follow_up", "reschedule_requested")


@outbox.composer("booking")
def compose(snap: dict) -> Email:
    """Build one side's email of a booking change from its snapshot, in the reader's language."""
    b = snap["booking"]
    role, kind = snap["role"], snap["kind"]
    to_attendee = role == "attendee"
    language = b["language"] if to_attendee else snap["organizer"]["language"]
    tz = ZoneInfo(b["attendee_timezone"] if to_attendee else snap["page_timezone"])
    context = {
        "booking": SimpleNamespace(**b),
        "mt": SimpleNamespace(**snap["type"]),
        "organizer": SimpleNamespace(**snap["organizer"]),
        "kind": kind,
        "by": snap["by"],
        "role": role,
        "start": datetime.fromisoformat(b["start"]).astimezone(tz),
        "end": datetime.fromisoformat(b["end"]).astimezone(tz),
        "tz": tz.key,
        "manage_url": snap["manage_url"] if to_attendee else None,
        "location": snap["type"]["location"],
        "decide_urls": snap.get("decide_urls") or {},
        "page_url": snap.get("page_url"),
        "reschedule_url": snap.get("reschedule_url"),
        "message": snap.get("message") or "",
        # SPEC §12: the page's colour marks its emails (made readable on white).
        "brand": palette(snap.get("brand_color") or DEFAULT_BRAND),
        "photo_url": snap.get("photo_url"),
        "verify_url": snap.get("verify_url"),
        "verify_until": (
            datetime.fromisoformat(snap["verify_until"]).astimezone(tz)
            if snap.get("verify_until")
            else None
        ),
        "pending_until": (
            datetime.fromisoformat(b["pending_until"]).astimezone(tz)
            if b.get("pending_until")
            else None
        ),
    }
    with force_locale(language):
        context["answers"] = answer_lines(b.get("answers"))
        ics = method = None
        # A request's emails carry no invitation; nor does anything of one never confirmed.
        if kind not in NO_INVITATION and b.get("invited", True):
            method = "CANCEL" if b["status"] == "cancelled" else "REQUEST"
            stamp = datetime.fromisoformat(snap["stamp"])
            ics = build_invitation(snapshot_facts(snap, to_attendee), method, stamp=stamp)
        return Email(
            to=b["attendee_email"] if to_attendee else snap["organizer"]["email"],
            subject=render_template("email/subject.txt", **context).strip(),
            text=render_template("email/booking.txt", **context),
            html=render_template("email/booking.html", **context),
            ics=ics,
            ics_method=method,
        )
