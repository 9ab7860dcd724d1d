"""A published booking page, and one meeting type with its slot picker."""

from flask import (
    abort,
    render_template,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from ..htmx import render_htmx
from ..models import MeetingType
from ..pickers import picker_context
from ..services import answers, pages
from .blueprint import bp


def _page_or_404(slug: str):
    page = pages.public_page(slug)
    if page is None:
        abort(404, description=_("This booking page does not exist or is not available."))
    return page


def type_or_404(slug: str, type_slug: str) -> MeetingType:
    mt = pages.public_type_at(slug, type_slug)
    if mt is None:
        _page_or_404(slug)  # the page's own "not available" when it is the page that is missing
        abort(404, description=_("This meeting type does not exist or is not available."))
    return mt


@bp.get("/b/<slug>")
def page(slug: str):
    """Show a booking page with its public meeting types."""
    booking_page = _page_or_404(slug)
    return answers.page(
        booking_page,
        str(get_locale()),
        lambda: render_template(
            "attendee/page.html", page=booking_page, types=pages.public_types(booking_page)
        ),
    )


@bp.get("/b/<slug>/<type_slug>")
def meeting_type(slug: str, type_slug: str):
    """Show one meeting type with its slot picker (the picker alone for htmx)."""
    mt = type_or_404(slug, type_slug)
    values = {"slug": slug, "type_slug": type_slug}
    context = picker_context(mt, "attendee.meeting_type", values, "attendee.book")
    return render_htmx("attendee/meeting_type.html", "attendee/_picker.html", **context)
