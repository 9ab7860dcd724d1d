"""The organizer's answer to a request from the Approve or Decline link in their email
(/d/<token>): the signed link is the authority, no sign-in needed. GET shows the request and one
button; only the POST decides, as mail scanners open links."""

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
    return render_template(
        "attendee/decide.html",
        **bookings.details(booking),
        decision=decision,
        form=form,
        closed=closed,
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
