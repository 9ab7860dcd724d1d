"""Bookings: an attendee books, sees, moves and cancels by the manage token (no account); the
organizer lists and cancels theirs."""

from flask import abort, current_app, g, jsonify
from flask_babel import get_locale
from sqlalchemy import select

from ..domain.zones import get_zone
from ..extensions import db, limiter
from ..models import Booking, MeetingType, PrivateLink
from ..schemas import dump
from ..schemas.bookings import (
    BookingCreated,
    BookingEnvelope,
    BookingIn,
    BookingList,
    BookingsQuery,
    CancelIn,
    DeclineIn,
    RequestRescheduleIn,
    RescheduleIn,
)
from ..schemas.common import ErrorOut
from ..services import bookings, exports, policy
from ..web import csv_response, now
from .auth import token_required
from .blueprint import bp, finding
from .pages import public_type

TAKEN = {"schema": ErrorOut, "description": "the slot is not (or no longer) free"}
# The list's 200 is JSON, or CSV with ?format=csv (flask-smorest declares only the JSON).
CSV_TOO = {
    "application/json": {"schema": BookingList},
    "text/csv": {"schema": {"type": "string"}},
}
CUTOFF = {"schema": ErrorOut, "description": "too close to the start: the type's cut-off"}
GONE = {"schema": ErrorOut, "description": "cancelled, or already taken place"}
DECIDED = {"schema": ErrorOut, "description": "not a request waiting for an answer"}


@bp.post("/pages/<page>/types/<type>/bookings")
@limiter.limit(lambda: current_app.config["RATELIMIT_BOOKING"])
@finding("mt", public_type)
@bp.arguments(BookingIn)
@bp.response(201, BookingCreated)
@bp.alt_response(409, **TAKEN)
def booking_create(values: dict, mt: MeetingType):
    """Book a free start of a public meeting type."""
    return create_booking(mt, values)


def create_booking(mt: MeetingType, values: dict, link: PrivateLink | None = None):
    """Book, commit, and answer 201 with the booking and its manage URL (the worker sends the
    emails)."""
    booking = bookings.book(mt, values, now=now(), language=str(get_locale() or "en"), link=link)
    # Dumped before the commit, which expires the rows (reading them again would cost a query).
    answer = dump(BookingCreated, {"booking": booking, "manage_url": bookings.manage_url(booking)})
    db.session.commit()
    return jsonify(answer), 201


@bp.get("/bookings/<token>")
@bp.response(200, BookingEnvelope)
def booking_show(token: str):
    """Show the booking of a manage token."""
    return {"booking": bookings.booking_for_token(token)}


def _of_token(token: str) -> Booking:
    return bookings.booking_for_token(token)  # TokenError: 404 (see errors.py)


# A cancelled or past booking raises BookingClosed: errors.py answers 410 for all of these.


@bp.patch("/bookings/<token>")
@finding("booking", _of_token)
@bp.arguments(RescheduleIn)
@bp.response(200, BookingEnvelope)
@bp.alt_response(
    403,
    schema=ErrorOut,
    description="the organizer's page is not available, or the type's cut-off has passed",
)
@bp.alt_response(409, **TAKEN)
@bp.alt_response(410, **GONE)
def booking_reschedule(values: dict, booking: Booking):
    """Move the booking of a manage token to another free start."""
    if not policy.may_publish(booking.meeting_type.page.user):
        message = "the organizer's booking page is not available, so this booking can't be moved"
        return jsonify(
            {"error": f"{message}; it can still be cancelled", "reason": "unavailable"}
        ), 403
    bookings.reschedule(booking, values["start"], now=now())
    db.session.commit()
    return {"booking": booking}


@bp.delete("/bookings/<token>")
@finding("booking", _of_token)
@bp.arguments(CancelIn, required=False)
@bp.response(200, BookingEnvelope)
@bp.alt_response(403, **CUTOFF)
@bp.alt_response(410, **GONE)
def booking_cancel(values: dict, booking: Booking):
    """Cancel the booking of a manage token, with an optional reason."""
    bookings.cancel(booking, reason=values["reason"], now=now(), by="attendee")
    db.session.commit()
    return {"booking": booking}


@bp.get("/me/bookings")
@token_required
@bp.arguments(BookingsQuery, location="query")
@bp.response(200, BookingList)
@bp.doc(responses={"200": {"content": CSV_TOO}})
def my_bookings(query: dict):
    """List the organizer's bookings by start, filtered by dates in the page's zone and status;
    with format=csv, as CSV with one column per question."""
    found = exports.find_bookings(g.api_user, query)
    if query.get("format") == "csv":
        tz = get_zone(g.api_user.page.timezone)
        return csv_response(exports.bookings_csv(found, tz), "bookings.csv")
    return {"bookings": found}


def _own_booking(uid: str) -> Booking:
    """Return the token user's booking of that UID, 404 for anyone else's."""
    booking = db.session.scalar(
        select(Booking).where(Booking.uid == uid, Booking.user_id == g.api_user.id)
    )
    if booking is None:
        abort(404, description="no such booking")
    return booking


@bp.post("/me/bookings/<uid>/cancel")
@token_required
@finding("booking", _own_booking)
@bp.arguments(CancelIn, required=False)
@bp.response(200, BookingEnvelope)
@bp.alt_response(410, **GONE)
def my_booking_cancel(values: dict, booking: Booking):
    """Cancel one of the organizer's bookings; the attendee is told by email."""
    bookings.cancel(booking, reason=values["reason"], now=now(), by="organizer")
    db.session.commit()
    return {"booking": booking}


@bp.post("/me/bookings/<uid>/confirm")
@token_required
@finding("booking", _own_booking)
@bp.response(200, BookingEnvelope)
@bp.alt_response(409, **DECIDED)
@bp.alt_response(410, **GONE)
def my_booking_confirm(booking: Booking):
    """Approve a request: it is confirmed and both sides get their invitations by email."""
    bookings.confirm(booking, now=now())
    db.session.commit()
    return {"booking": booking}


@bp.post("/me/bookings/<uid>/decline")
@token_required
@finding("booking", _own_booking)
@bp.arguments(DeclineIn, required=False)
@bp.response(200, BookingEnvelope)
@bp.alt_response(409, **DECIDED)
@bp.alt_response(410, **GONE)
def my_booking_decline(values: dict, booking: Booking):
    """Decline a request, with an optional reason: its time is free again, the attendee told."""
    bookings.decline(booking, reason=values["reason"], now=now())
    db.session.commit()
    return {"booking": booking}


@bp.patch("/me/bookings/<uid>")
@token_required
@finding("booking", _own_booking)
@bp.arguments(RescheduleIn)
@bp.response(200, BookingEnvelope)
@bp.alt_response(409, **TAKEN)
@bp.alt_response(410, **GONE)
def my_booking_move(values: dict, booking: Booking):
    """Move one of the organizer's bookings to another free start; the attendee gets the
    updated invitation (the type's cut-off binds only the attendee)."""
    bookings.reschedule(booking, values["start"], now=now(), by="organizer")
    db.session.commit()
    return {"booking": booking}


@bp.post("/me/bookings/<uid>/request-reschedule")
@token_required
@finding("booking", _own_booking)
@bp.arguments(RequestRescheduleIn, required=False)
@bp.response(200, BookingEnvelope)
@bp.alt_response(409, schema=ErrorOut, description="a request not yet answered")
@bp.alt_response(410, **GONE)
def my_booking_request_reschedule(values: dict, booking: Booking):
    """Email the attendee a link to pick a new time, with an optional message; the booking
    stands until they do."""
    bookings.request_reschedule(booking, message=values["message"], now=now())
    db.session.commit()
    return {"booking": booking}
