"""The organizer's bookings under /me/bookings: upcoming, past and cancelled lists, one
booking's details, and cancelling it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..domain.errors import BookingClosed
from ..extensions import db
from ..models import Booking
from ..services import bookings
from ..web import now
from .blueprint import bp
from .forms import CancelBookingForm
from .requests import requests_context

BOOKING_LISTS = ("upcoming", "past", "cancelled")
BOOKINGS_PER_PAGE = 50


def _bookings_filter(show: str, current: datetime) -> list:
    """Return the conditions that pick one list: upcoming, past or cancelled."""
    conditions = [Booking.user_id == current_user.id]
    if show == "cancelled":  # and requests declined
        return [*conditions, Booking.status.in_(("cancelled", "declined"))]
    conditions.append(Booking.status == "confirmed")
    if show == "past":
        return [*conditions, Booking.start < current]
    return [*conditions, Booking.start >= current]


def bookings_query(show: str, current: datetime):
    """Select one list of the organizer's bookings: upcoming soonest first, the others latest."""
    if show == "upcoming":
        order = (Booking.start, Booking.id)
    else:
        order = (Booking.start.desc(), Booking.id.desc())
    return (
        select(Booking)
        .where(*_bookings_filter(show, current))
        .options(selectinload(Booking.meeting_type))
        .order_by(*order)
    )


def booking_row(booking: Booking, tz: ZoneInfo) -> dict:
    """Give a booking with its start and end in the organizer's zone."""
    return {
        "booking": booking,
        "start": booking.start.astimezone(tz),
        "end": booking.end.astimezone(tz),
    }


def _booking_list(booking: Booking, current: datetime) -> str:
    """Name the list a booking is shown in."""
    if booking.status in ("cancelled", "declined"):
        return "cancelled"
    return "upcoming" if booking.start >= current else "past"


def _own_booking(booking_id: int) -> Booking:
    """Return the signed-in organizer's booking, 404 for anyone else's."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.user_id != current_user.id:
        abort(404)
    return booking


@bp.get("/bookings", endpoint="bookings")
def bookings_list():
    """List the upcoming, past or cancelled bookings, a page at a time."""
    show = request.args.get("show", "upcoming")
    if show not in BOOKING_LISTS:
        show = "upcoming"
    number = max(request.args.get("page", 1, type=int), 1)
    current = now()
    tz = ZoneInfo(current_user.page.timezone)
    found = db.paginate(
        bookings_query(show, current),
        page=number,
        per_page=BOOKINGS_PER_PAGE,
        error_out=False,
        count=True,
    )
    counts = {
        name: db.session.scalar(
            select(func.count(Booking.id)).where(*_bookings_filter(name, current))
        )
        for name in BOOKING_LISTS
    }
    return render_template(
        "organizer/bookings.html",
        page=current_user.page,
        show=show,
        counts=counts,
        rows=[booking_row(booking, tz) for booking in found.items],
        pagination=found,
        **requests_context("bookings"),
    )


def _booking_page(booking: Booking, form: CancelBookingForm, *, closed: str | None = None):
    """Render the details of one booking, with the cancel form while it can be cancelled."""
    current = now()
    return render_template(
        "organizer/booking.html",
        **bookings.details(booking),
        cancellable=booking.status == "confirmed" and booking.start > current,
        decidable=booking.status == "pending" and booking.start > current,
        back=_booking_list(booking, current),
        form=form,
        closed=closed,
    )


@bp.get("/bookings/<int:booking_id>", endpoint="booking")
def booking_detail(booking_id: int):
    """Show every detail of one booking."""
    return _booking_page(_own_booking(booking_id), CancelBookingForm())


@bp.post("/bookings/<int:booking_id>/cancel")
def booking_cancel(booking_id: int):
    """Cancel one booking with a reason; the attendee is told by email."""
    booking = _own_booking(booking_id)
    form = CancelBookingForm()
    if not form.validate_on_submit():
        return _booking_page(booking, form), 422
    try:
        bookings.cancel(booking, reason=form.reason.data or "", now=now(), by="organizer")
        db.session.commit()
    except BookingClosed as exc:
        db.session.rollback()
        message = (
            _("This booking is already cancelled, so it can't be cancelled again.")
            if exc.reason == "cancelled"
            else _("This meeting has already taken place, so it can't be cancelled.")
        )
        return _booking_page(booking, form, closed=message), 410
    flash(
        _("The booking is cancelled. %(name)s has been told by email.", name=booking.attendee_name),
        "success",
    )
    return redirect(url_for(".booking", booking_id=booking.id), 303)
