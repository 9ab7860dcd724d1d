"""Requests waiting for the organizer's answer (SPEC §9): listed first on the dashboard and the
bookings list, approved or declined there or on the booking's page. Each button is a plain POST
form; htmx swaps the requests list in place."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..domain.errors import BookingClosed
from ..errors import closed_message
from ..extensions import db
from ..htmx import is_htmx, render_htmx
from ..models import Booking
from ..services import bookings
from ..web import now
from .blueprint import bp
from .forms import CancelBookingForm

# Where a decision sends the organizer back to: the page its button was on.
BACK = {"dashboard": "organizer.dashboard", "bookings": "organizer.bookings"}


def requests_context(back: str) -> dict:
    """The organizer's requests waiting for an answer, soonest first, for the list and its
    fragment; `back` names the page they are shown on."""
    tz = ZoneInfo(current_user.page.timezone)
    found = db.session.scalars(
        select(Booking)
        .where(
            Booking.user_id == current_user.id,
            Booking.status == "pending",
            Booking.start > now(),
        )
        .options(selectinload(Booking.meeting_type))
        .order_by(Booking.start, Booking.id)
    )
    rows = [
        {"booking": b, "start": b.start.astimezone(tz), "end": b.end.astimezone(tz)} for b in found
    ]
    return {"requests": rows, "requests_back": back}


def _own_request(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.user_id != current_user.id:
        abort(404)
    return booking


def _closed(booking: Booking, exc: BookingClosed):
    """The request is no longer waiting (answered, cancelled or past): 409, the list again."""
    return _answered(booking, closed_message(exc.reason), "error", 409)


def _answered(booking: Booking, message: str, category: str, code: int = 200):
    """Show the outcome: the requests list again for htmx, else back to the page it came from."""
    back = request.form.get("back", "")
    if is_htmx() and back in BACK:
        context = requests_context(back)
        return render_htmx(
            "organizer/_requests.html",
            "organizer/_requests.html",
            code,
            answered=(message, category),
            **context,
        )
    flash(message, category)
    if back in BACK:
        return redirect(url_for(BACK[back]), 303)
    return redirect(url_for("organizer.booking", booking_id=booking.id), 303)


@bp.post("/bookings/<int:booking_id>/confirm")
def booking_confirm(booking_id: int):
    """Approve a request: it is confirmed and both sides get their invitations."""
    booking = _own_request(booking_id)
    name = booking.attendee_name
    try:
        bookings.confirm(booking, now=now())
        db.session.commit()
    except BookingClosed as exc:
        db.session.rollback()
        return _closed(booking, exc)
    message = _("The request of %(name)s is approved. The invitations are on their way.", name=name)
    return _answered(booking, message, "success")


@bp.post("/bookings/<int:booking_id>/decline")
def booking_decline(booking_id: int):
    """Decline a request with an optional reason; the attendee is told by email."""
    booking = _own_request(booking_id)
    name = booking.attendee_name
    form = CancelBookingForm()
    if not form.validate_on_submit():
        return _answered(booking, _("The reason is too long."), "error", 422)
    try:
        bookings.decline(booking, reason=form.reason.data or "", now=now())
        db.session.commit()
    except BookingClosed as exc:
        db.session.rollback()
        return _closed(booking, exc)
    message = _("The request of %(name)s is declined. They have been told by email.", name=name)
    return _answered(booking, message, "success")
