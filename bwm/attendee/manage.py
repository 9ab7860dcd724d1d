"""Managing a booking from its link (/m/<token>): see it, download it, cancel, reschedule."""

from flask import (
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from ..domain.errors import BookingClosed, ChangeTooLate, SlotTaken
from ..domain.zones import get_zone
from ..embedding import form_token_required
from ..errors import closed_message, too_late_message
from ..extensions import db
from ..htmx import render_htmx
from ..models import Booking
from ..pickers import parse_start, picker_context
from ..schemas.bookings import CancelIn
from ..services import bookings, policy
from ..web import checked, now
from .blueprint import bp
from .forms import CancelForm, RescheduleForm


def _booking_or_error(token: str) -> Booking:
    return bookings.booking_for_token(token)  # TokenError -> 404 page (errors.py)


def _contact(booking: Booking) -> str:
    organizer = booking.meeting_type.page.user
    return f"{organizer.name} <{organizer.email}>"


def manage_context(booking: Booking, token: str | None = None) -> dict:
    """What the pages showing one booking to its attendee need (token: its manage token)."""
    tz = get_zone(booking.attendee_timezone)
    organizer_tz = get_zone(booking.meeting_type.page.timezone)
    current = now()
    cutoff = bookings.change_cutoff(booking)
    return {
        # The type's cut-off: the attendee may move or cancel until then (SPEC §9).
        "cutoff": cutoff.astimezone(tz) if cutoff else None,
        "too_late": cutoff is not None and current >= cutoff and booking.status == "confirmed",
        "contact": _contact(booking),
        "booking": booking,
        "mt": booking.meeting_type,
        "page": booking.meeting_type.page,
        "organizer": booking.meeting_type.page.user,
        "start": booking.start.astimezone(tz),
        "end": booking.end.astimezone(tz),
        "organizer_start": booking.start.astimezone(organizer_tz),
        "organizer_end": booking.end.astimezone(organizer_tz),
        "tz": tz,
        "organizer_tz": organizer_tz,
        # A request waiting for the organizer can be cancelled, not moved.
        "changeable": booking.status in ("confirmed", "pending", "unverified")
        and booking.start > current,
        "movable": booking.status == "confirmed",
        "past": booking.start <= current,
        "token": token or request.view_args["token"],
        "location": bookings.location_text(booking.meeting_type),
        "verify_until": booking.verify_until.astimezone(tz) if booking.verify_until else None,
        # Turned off by the organization's policy: cancelling still works, moving doesn't.
        "organizer_available": policy.may_publish(booking.meeting_type.page.user),
    }


@bp.get("/m/<token>")
def manage(token: str):
    """Show one booking to its attendee, with reschedule and cancel."""
    booking = _booking_or_error(token)
    return render_template(
        "attendee/manage.html", cancel_form=CancelForm(), **manage_context(booking)
    )


@bp.get("/m/<token>/invite.ics")
def manage_ics(token: str):
    """Download the booking as an .ics file to add to a calendar."""
    booking = _booking_or_error(token)
    if not bookings.was_invited(booking):
        abort(404)  # a request gets its invitation once the organizer confirms it
    body = bookings.invitation(booking, for_attendee=True, now=now())
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="invite.ics"'
    return response


def _unavailable_page(booking: Booking):
    """Answer 403: the organizer is turned off, so the booking can't move (it can be cancelled)."""
    message = _(
        "The organizer's booking page is not available at the moment, so this booking can't be "
        "moved. You can still cancel it."
    )
    return (
        render_template(
            "attendee/manage.html",
            closed=message,
            cancel_form=CancelForm(),
            **manage_context(booking),
        ),
        403,
    )


def _too_late_page(booking: Booking, exc: ChangeTooLate):
    """Answer 403: past the type's cut-off; say so, and how to reach the organizer."""
    return (
        render_template(
            "attendee/manage.html",
            closed=too_late_message(exc.minutes, _contact(booking)),
            cancel_form=CancelForm(),
            **manage_context(booking),
        ),
        403,
    )


def _closed_page(booking: Booking, reason: str):
    return (
        render_template(
            "attendee/manage.html",
            closed=closed_message(reason),
            cancel_form=CancelForm(),
            **manage_context(booking),
        ),
        409 if reason in ("pending", "decided", "unverified") else 410,
    )


@bp.post("/m/<token>/cancel")
@form_token_required(CancelForm)
def manage_cancel(token: str):
    """Cancel the booking, with an optional reason."""
    booking = _booking_or_error(token)
    form = CancelForm()
    values = checked(form, CancelIn(), {"reason": form.reason.data})
    if values is None:
        return render_template(
            "attendee/manage.html", cancel_form=form, **manage_context(booking)
        ), 422
    try:
        bookings.cancel(booking, reason=values["reason"], now=now(), by="attendee")
        db.session.commit()
    except BookingClosed as exc:
        db.session.rollback()
        return _closed_page(booking, exc.reason)
    except ChangeTooLate as exc:
        db.session.rollback()
        return _too_late_page(booking, exc)
    return redirect(url_for("attendee.manage", token=token), 303)


@bp.get("/m/<token>/reschedule")
def manage_reschedule(token: str):
    """Show the picker for a new time of the booking."""
    booking = _booking_or_error(token)
    if booking.status != "confirmed" or booking.start <= now():
        reason = "past" if booking.status == "confirmed" else booking.status
        return _closed_page(booking, reason)
    if not policy.may_publish(booking.meeting_type.page.user):
        return _unavailable_page(booking)
    try:
        bookings.ensure_attendee_may_change(booking, now())
    except ChangeTooLate as exc:
        return _too_late_page(booking, exc)
    context = picker_context(
        booking.meeting_type,
        "attendee.manage_reschedule",
        {"token": token},
        "attendee.manage_reschedule_confirm",
        duration=booking.duration_minutes,  # a booking keeps its length when it moves
    )
    return render_htmx(
        "attendee/reschedule.html",
        "attendee/_picker.html",
        booking=booking,
        token=token,
        **context,
    )


@bp.route("/m/<token>/reschedule/confirm", methods=["GET", "POST"])
@form_token_required(RescheduleForm)
def manage_reschedule_confirm(token: str):
    """Confirm the new time (GET shows it; POST moves the booking)."""
    booking = _booking_or_error(token)
    if not policy.may_publish(booking.meeting_type.page.user):
        return _unavailable_page(booking)
    form = RescheduleForm()
    if request.method == "GET":
        form.start.data = request.args.get("start")
    start = parse_start(form.start.data)
    if start is None:
        return redirect(url_for("attendee.manage_reschedule", token=token))
    tz = get_zone(request.args.get("tz") or booking.attendee_timezone) or get_zone(
        booking.attendee_timezone
    )
    if request.method == "GET":
        return render_template(
            "attendee/reschedule_confirm.html",
            form=form,
            new_start=start.astimezone(tz),
            new_tz=tz,
            **manage_context(booking),
        )
    try:
        bookings.reschedule(booking, start, now=now())
        db.session.commit()
    except BookingClosed as exc:
        db.session.rollback()
        return _closed_page(booking, exc.reason)
    except ChangeTooLate as exc:
        db.session.rollback()
        return _too_late_page(booking, exc)
    except SlotTaken:
        db.session.rollback()
        local = start.astimezone(tz)
        return redirect(
            url_for(
                "attendee.manage_reschedule",
                token=token,
                tz=tz.key,
                month=local.strftime("%Y-%m"),
                date=local.date().isoformat(),
                taken=1,
            ),
            303,
        )
    return redirect(url_for("attendee.manage", token=token), 303)
