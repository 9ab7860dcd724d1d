"""Private links for attendees: /p/<token> shows one meeting type alone, with the same picker
and booking form as a public type."""

from flask import abort, current_app
from flask_babel import gettext as _

from ..embedding import form_token_required
from ..extensions import limiter
from ..htmx import render_htmx
from ..models import PrivateLink
from ..services import links
from ..web import now
from .blueprint import bp
from .booking import BookingFlow, run_booking
from .forms import BookingForm


def _open_or_error(token: str) -> PrivateLink:
    """Return the usable link of a token; 404 or 410 pages otherwise (see errors.py)."""
    try:
        return links.open_link(token, now=now())
    except links.LinkUnavailable:
        abort(404, description=_("This booking page does not exist or is not available."))


def _flow(found: PrivateLink, token: str) -> BookingFlow:
    return BookingFlow(
        mt=found.meeting_type,
        picker_endpoint="attendee.link",
        values={"token": token},
        book_endpoint="attendee.link_book",
        page_template="attendee/link.html",
        link=found,
    )


@bp.get("/p/<token>")
def link(token: str):
    """Show the meeting type of a private link with its slot picker (the picker alone for htmx)."""
    flow = _flow(_open_or_error(token), token)
    return render_htmx("attendee/link.html", "attendee/_picker.html", **flow.picker_context())


@bp.route("/p/<token>/book", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_BOOKING"], methods=["POST"])
@form_token_required(BookingForm)
def link_book(token: str):
    """Ask for name, email and note for the chosen time, then book it through the link."""
    return run_booking(_flow(_open_or_error(token), token))
