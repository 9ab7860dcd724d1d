"""A published booking page, and one meeting type with its slot picker."""

from datetime import datetime

from flask import (
    abort,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError

from ..domain.zones import zone_names
from ..htmx import render_htmx
from ..models import MeetingType
from ..schemas.fields import Instant
from ..services import answers, pages, picker
from ..web import now
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


def parse_start(value: str | None) -> datetime | None:
    """Read a start from a link or form (a "+" in a query string may arrive as a space)."""
    try:
        return Instant().deserialize((value or "").replace(" ", "+"))
    except ValidationError:
        return None


def picker_context(
    mt: MeetingType,
    endpoint: str,
    values: dict,
    time_endpoint: str,
    args: dict | None = None,
    *,
    duration: int | None = None,
) -> dict:
    """Build what the picker templates need, for any URL that shows a picker.

    duration: a length fixed by the caller (a booking being moved keeps its own), so none is
    asked for; else the query string's, when the type offers several.
    """
    shown = picker.build(mt, request.args if args is None else args, now=now(), duration=duration)

    def picker_link(**args) -> str:
        return url_for(endpoint, **values, **{k: v for k, v in args.items() if v})

    def time_link(t: datetime) -> str:
        extra = {"duration": shown.link_duration} if shown.link_duration else {}
        return url_for(time_endpoint, **values, start=t.isoformat(), tz=shown.tz.key, **extra)

    return {
        "page": mt.page,
        "mt": mt,
        "picker": shown,
        "zones": zone_names(),
        "base_url": url_for(endpoint, **values),
        "picker_link": picker_link,
        "time_link": time_link,
    }


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
