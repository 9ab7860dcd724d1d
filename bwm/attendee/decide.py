"""The organizer's answer to a request from the Approve or Decline link in their email
(/d/<token>): the signed link is the authority, no sign-in needed. GET shows the request and one
button; only the POST decides, as mail scanners open links."""

from zoneinfo import ZoneInfo

from flask import redirect, render_template, request, url_for

from ..domain.errors import BookingClosed
from ..errors import closed_message
from ..extensions import db
from ..models import Booking
from ..schemas.bookings import DeclineIn
from ..services import bookings
from ..web import checked, now
from .blueprint import bp
from .forms import DecisionForm


def _decision_page(
    booking: Booking, decision: str, form: DecisionForm, *, closed: str | None = None
) -> str:
    """Render the request with the button of its link's decision (none once it is answered)."""
    page = booking.meeting_type.page
    tz = ZoneInfo(page.timezone)
    attendee_tz = ZoneInfo(booking.attendee_timezone)
    return render_template(
        "attendee/decide.html",
        booking=booking,
        decision=decision,
        form=form,
        closed=closed,
        mt=booking.meeting_type,
        page=page,
        tz=tz,
        attendee_tz=attendee_tz,
        start=booking.start.astimezone(tz),
        end=booking.end.astimezone(tz),
        attendee_start=booking.start.astimezone(attendee_tz),
        attendee_end=booking.end.astimezone(attendee_tz),
        created=booking.created_at.astimezone(tz),
        cancelled=booking.cancelled_at.astimezone(tz) if booking.cancelled_at else None,
        location=bookings.location_text(booking.meeting_type),
        answers=bookings.answer_lines(booking.answers),
        back="past" if booking.start <= now() else "upcoming",
        open=booking.status == "pending" and booking.start > now(),
        done=request.args.get("done") == "1",
    )


@bp.route("/d/<token>", methods=["GET", "POST"])
def decide(token: str):
    """Show a request with its Approve or Decline button (GET); answer it (POST)."""
    booking, decision = bookings.decision_for_token(token)  # TokenError: 404 (errors.py)
    form = DecisionForm()
    if request.method == "GET":
        return _decision_page(booking, decision, form)
    values = checked(form, DeclineIn(), {"reason": form.reason.data or ""})
    if not form.validate_on_submit() or values is None:
        return _decision_page(booking, decision, form), 422
    try:
        if decision == "confirm":
            bookings.confirm(booking, now=now())
        else:
            bookings.decline(booking, reason=values["reason"], now=now())
        db.session.commit()
    except BookingClosed as exc:
        db.session.rollback()
        code = 409 if exc.reason == "decided" else 410
        return _decision_page(booking, decision, form, closed=closed_message(exc.reason)), code
    return redirect(url_for("attendee.decide", token=token, done=1), 303)
