"""A published page and its free times (no account); the organizer's own page settings."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import abort, current_app, g

from ..extensions import db
from ..models import MeetingType
from ..schemas.bookings import SlotsOut, SlotsQuery
from ..schemas.pages import PageIn, PageOut, PublicPageOut
from ..services import pages, slots
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
