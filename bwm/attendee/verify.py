"""The attendee confirms their email address from the emailed link (/v/<token>, SPEC §11):
the GET shows the booking and one button (mail scanners open links); only the POST confirms."""

from flask import redirect, render_template, request, url_for

from ..domain.errors import BookingClosed
from ..errors import closed_message
from ..extensions import db
from ..services import bookings, verifications
from ..web import now
from .blueprint import bp
from .forms import VerifyForm
from .manage import manage_context


@bp.route("/v/<token>", methods=["GET", "POST"])
def verify(token: str):
    """Show the held booking with its Confirm button (GET); confirm it (POST)."""
    booking = verifications.booking_for_token(token)  # TokenError: 404 (errors.py)
    form = VerifyForm()
    manage = bookings.manage_token(booking)
    if request.method == "POST":
        if not form.validate_on_submit():
            return _page(booking, manage, form), 422
        try:
            verifications.verify(booking, now=now())
            db.session.commit()
        except BookingClosed as exc:
            db.session.rollback()
            return _page(booking, manage, form, closed=closed_message(exc.reason)), 410
        return redirect(url_for("attendee.manage", token=manage), 303)
    if booking.verified_at is not None:  # confirmed already: the booking's own page says it
        return redirect(url_for("attendee.manage", token=manage), 303)
    return _page(booking, manage, form)


def _page(booking, manage: str, form: VerifyForm, *, closed: str | None = None) -> str:
    open_ = booking.status == "unverified" and booking.verify_until > now()
    return render_template(
        "attendee/verify.html",
        **manage_context(booking, manage),
        form=form,
        closed=closed,
        open=open_,
    )
