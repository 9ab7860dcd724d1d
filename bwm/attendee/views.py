"""The attendee's view: booking pages and the slot picker."""

from flask import abort, render_template, request

from ..domain.zones import zone_names
from ..htmx import render_htmx
from ..services import pages, picker
from ..web import now
from . import bp


def _page_or_404(slug: str):
    page = pages.public_page(slug)
    if page is None:
        abort(404, description="This booking page does not exist or is not available.")
    return page


@bp.get("/b/<slug>")
def page(slug: str):
    """Show a booking page with its public meeting types."""
    booking_page = _page_or_404(slug)
    return render_template(
        "attendee/page.html", page=booking_page, types=pages.public_types(booking_page)
    )


@bp.get("/b/<slug>/<type_slug>")
def meeting_type(slug: str, type_slug: str):
    """Show one meeting type with its slot picker (the picker alone for htmx)."""
    booking_page = _page_or_404(slug)
    mt = pages.public_type(booking_page, type_slug)
    if mt is None:
        abort(404, description="This meeting type does not exist or is not available.")
    return render_htmx(
        "attendee/meeting_type.html",
        "attendee/_picker.html",
        page=booking_page,
        mt=mt,
        picker=picker.build(mt, request.args, now=now()),
        zones=zone_names(),
        base_url=request.base_url,
    )
