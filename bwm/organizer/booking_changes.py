"""The organizer changes a booking's time (SPEC §9): moves it with a picker of the type's free
times, or asks the attendee to pick a new one. The type's cut-off binds only the attendee."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField

from ..domain.errors import BookingClosed, SlotTaken
from ..errors import closed_message
from ..extensions import db
from ..htmx import render_htmx
from ..models import Booking
from ..pickers import parse_start, picker_context
from ..schemas import html_attributes
from ..schemas.bookings import RequestRescheduleIn
from ..services import bookings
from ..web import checked, now
from .blueprint import bp
from .bookings import _own_booking


class MoveForm(FlaskForm):
    start = HiddenField()


class AskToMoveForm(FlaskForm):
    message = TextAreaField(
        _l("Message to them"), render_kw=html_attributes(RequestRescheduleIn, "message")
    )


def _picker(booking: Booking) -> dict:
    """The type's free times for this booking, of its own length, in the organizer's zone."""
    args = request.args.to_dict()
    args.setdefault("tz", booking.meeting_type.page.timezone)
    return picker_context(
        booking.meeting_type,
        ".booking_move",
        {"booking_id": booking.id},
        ".booking_move_confirm",
        args,
        duration=booking.duration_minutes,
    )


def _refused(booking: Booking, reason: str):
    flash(closed_message(reason), "error")
    return redirect(url_for(".booking", booking_id=booking.id), 303)


@bp.get("/bookings/<int:booking_id>/move")
def booking_move(booking_id: int):
    """Pick a new time for a booking among its type's free times."""
    booking = _own_booking(booking_id)
    try:
        bookings.ensure_changeable(booking, now())
    except BookingClosed as exc:
        return _refused(booking, exc.reason)
    if booking.status != "confirmed":
        return _refused(booking, "pending")
    return render_htmx(
        "organizer/booking_move.html",
        "attendee/_picker.html",
        booking=booking,
        ask_form=AskToMoveForm(formdata=None),
        **_picker(booking),
    )


@bp.route("/bookings/<int:booking_id>/move/confirm", methods=["GET", "POST"])
def booking_move_confirm(booking_id: int):
    """Confirm the new time (GET shows it; POST moves the booking and tells the attendee)."""
    booking = _own_booking(booking_id)
    form = MoveForm()
    if request.method == "GET":
        form.start.data = request.args.get("start")
    start = parse_start(form.start.data)
    if start is None:
        return redirect(url_for(".booking_move", booking_id=booking.id))
    tz = ZoneInfo(current_user.page.timezone)
    if request.method == "GET" or not form.validate():
        return render_template(
            "organizer/booking_move_confirm.html",
            booking=booking,
            mt=booking.meeting_type,
            form=form,
            old_start=booking.start.astimezone(tz),
            new_start=start.astimezone(tz),
            tz=tz,
        )
    try:
        bookings.reschedule(booking, start, now=now(), by="organizer")
        db.session.commit()
    except BookingClosed as exc:
        db.session.rollback()
        return _refused(booking, exc.reason)
    except SlotTaken:
        db.session.rollback()
        flash(_("Sorry, that time was just taken. Please pick another one."), "error")
        local = start.astimezone(tz)
        return redirect(
            url_for(".booking_move", booking_id=booking.id, date=local.date().isoformat()), 303
        )
    flash(
        _("The booking is moved. %(name)s gets the new time by email.", name=booking.attendee_name),
        "success",
    )
    return redirect(url_for(".booking", booking_id=booking.id), 303)


@bp.post("/bookings/<int:booking_id>/request-reschedule")
def booking_request_reschedule(booking_id: int):
    """Email the attendee a link to pick a new time; the booking stands until they do."""
    booking = _own_booking(booking_id)
    form = AskToMoveForm()
    values = checked(form, RequestRescheduleIn, {"message": form.message.data})
    if not form.validate() or values is None:
        flash(" ".join(form.message.errors) or _("The form had expired."), "error")
        return redirect(url_for(".booking_move", booking_id=booking.id), 303)
    try:
        bookings.request_reschedule(booking, message=values["message"], now=now())
        db.session.commit()
    except BookingClosed as exc:
        db.session.rollback()
        return _refused(booking, exc.reason)
    flash(
        _(
            "%(name)s is asked by email to pick a new time. The booking stands until then.",
            name=booking.attendee_name,
        ),
        "success",
    )
    return redirect(url_for(".booking", booking_id=booking.id), 303)
