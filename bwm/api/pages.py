"""A published page and its free times (no account); the organizer's own page settings."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import abort, current_app, g, request

from ..core.urls import external_url
from ..extensions import db
from ..models import MeetingType
from ..schemas.bookings import SlotsOut, SlotsQuery
from ..schemas.common import ErrorOut
from ..schemas.pages import PageImageOut, PageIn, PageOut, PublicPageOut
from ..services import images, pages, slots
from ..web import now
from .auth import token_required
from .blueprint import bp, finding


@bp.get("/pages/<page>")
@bp.response(200, PublicPageOut)
def page_show(page: str):
    """Show a published page and its public meeting types."""
    found = pages.public_page(page)
    if found is None:
        abort(404, description="no such booking page")
    return {"page": found, "meeting_types": pages.public_types(found)}


def public_type(page: str, type: str) -> MeetingType:
    """Return the public meeting type at /pages/<page>/types/<type>, 404 when there is none."""
    mt = pages.public_type_at(page, type)
    if mt is None:
        abort(404, description="no such meeting type")
    return mt


@bp.get("/pages/<page>/types/<type>/slots")
@finding("mt", public_type)
@bp.arguments(SlotsQuery, location="query", as_kwargs=True)
@bp.response(200, SlotsOut)
def slots_list(mt: MeetingType, **query):
    """List the free starts of a public meeting type between two dates, in a zone."""
    return free_starts(mt, query)


def free_starts(mt: MeetingType, query: dict) -> dict:
    """The type's free starts from start to end (dates in tz, both inclusive), shown in tz,
    for meetings of the length asked for (one of the type's; its default one)."""
    current = now()
    duration = slots.duration_of(mt, query.get("duration"))
    first, last, tz = slots.date_range(
        query, mt.page.timezone, max_days=current_app.config["MAX_SLOT_RANGE_DAYS"], now=current
    )
    start, end = slots.day_bounds(first, last, tz)
    found = slots.slots_between(mt, start, end, now=current, cached=True, duration=duration)
    return {"timezone": tz.key, "slots": [local_text(s, tz.key) for s in found]}


@lru_cache(maxsize=8192)
def local_text(instant: datetime, zone: str) -> str:
    """A free start as ISO 8601 text in a zone, kept: a month of starts costs more to write out
    than the rest of an answer kept in services/answers.py."""
    return instant.astimezone(ZoneInfo(zone)).isoformat()


@bp.get("/me/page")
@token_required
@bp.response(200, PageOut)
def me_page():
    """Show the organizer's page settings and hours."""
    return g.api_user.page


@bp.patch("/me/page")
@token_required
@bp.arguments(PageIn(partial=True))
@bp.response(200, PageOut)
def me_page_update(values: dict):
    """Change the organizer's page settings or hours."""
    page = pages.update_page(g.api_user.page, values)
    db.session.commit()
    return page


IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp", "image/gif")
IMAGE_BODY = {
    "required": True,
    "description": "the image itself (at most 2 MB); it is re-encoded as WebP",
    "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in IMAGE_TYPES},
}


def _image_out(found) -> dict:
    return {
        "kind": found.kind,
        "url": external_url(
            "attendee.page_image", slug=g.api_user.page.slug, kind=found.kind, v=found.version
        ),
        "width": found.width,
        "height": found.height,
    }


def _put_image(kind: str) -> dict:
    found = images.set_image(g.api_user.page, kind, request.get_data(cache=False), now=now())
    db.session.commit()
    return _image_out(found)


def _delete_image(kind: str) -> None:
    images.remove_image(g.api_user.page, kind)
    db.session.commit()


BAD_IMAGE = {"schema": ErrorOut, "description": "not a PNG, JPEG, WebP or GIF, or over 2 MB"}


@bp.put("/me/page/photo")
@token_required
@bp.doc(requestBody=IMAGE_BODY)
@bp.response(200, PageImageOut)
@bp.alt_response(422, **BAD_IMAGE)
def me_page_photo_put():
    """Set the page's photo (the request body is the image; it is shown round, 320 px)."""
    return _put_image("photo")


@bp.delete("/me/page/photo")
@token_required
@bp.response(204)
def me_page_photo_delete():
    """Remove the page's photo (none: nothing to do)."""
    _delete_image("photo")


@bp.put("/me/page/banner")
@token_required
@bp.doc(requestBody=IMAGE_BODY)
@bp.response(200, PageImageOut)
@bp.alt_response(422, **BAD_IMAGE)
def me_page_banner_put():
    """Set the page's own banner, shown instead of a built-in one (the body is the image)."""
    return _put_image("banner")


@bp.delete("/me/page/banner")
@token_required
@bp.response(204)
def me_page_banner_delete():
    """Remove the page's own banner (the built-in one, if chosen, shows again)."""
    _delete_image("banner")
