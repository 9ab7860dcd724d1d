"""The organizer's booking page: its settings and its weekly hours."""

from __future__ import annotations

from flask import g
from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager

from ..domain.errors import Conflict, Message, _l
from ..extensions import db
from ..models import BookingPage, MeetingType, OrgSettings
from ..schemas import dump, load
from ..schemas.pages import PageIn, PageOut
from . import policy
from .hours import hours_to_rows

SLUG_TAKEN = _l("the page address %(slug)s is taken")


def page_to_dict(page: BookingPage) -> dict:
    """Describe the page as the API does (the settings form starts from it)."""
    return dump(PageOut, page)


def update_page(page: BookingPage, data: dict) -> BookingPage:
    """Change the fields given (PageIn's values, partial; checked here when not yet)."""
    changes = dict(load(PageIn, data, partial=True))
    new_slug = changes.get("slug")
    if new_slug and new_slug != page.slug:
        taken = db.session.scalar(
            select(BookingPage.id).where(BookingPage.slug == new_slug, BookingPage.id != page.id)
        )
        if taken:
            raise Conflict("slug", Message(SLUG_TAKEN, slug=new_slug))
    hours = changes.pop("hours", None)
    for field, value in changes.items():
        setattr(page, field, value)
    if hours is not None:
        page.windows = hours_to_rows(hours)
    db.session.flush()
    return page


def public_page(slug: str) -> BookingPage | None:
    """Return the page when attendees may see it, else None.

    Unpublished, or its owner turned off by the organization's policy: nothing is deleted, the
    page just answers "not available" until it is published or turned on again. The page, its
    owner and the organization's settings come in one query, once per request (choosing the
    language may ask before the view does).
    """
    seen = g.setdefault("public_pages", {})
    if slug not in seen:
        found = db.session.execute(_PUBLIC_PAGE, {"slug": slug}).first()
        page = found[0] if found else None
        visible = page is not None and policy.page_visible(page, policy.policy_of(found[1]))
        seen[slug] = page if visible else None
    return seen[slug]


def public_type_at(slug: str, type_slug: str) -> MeetingType | None:
    """Return the public meeting type at /b/<slug>/<type_slug> when attendees may see it.

    The type, its page, the owner and the organization's settings come in one query (a free
    times request needs nothing else when its answer is kept); the page is remembered for the
    rest of the request like public_page's.
    """
    seen = g.setdefault("public_pages", {})
    if slug in seen:
        page = seen[slug]
        return public_type(page, type_slug) if page is not None else None
    found = db.session.execute(_PUBLIC_TYPE_AT, {"slug": slug, "type_slug": type_slug}).first()
    if found is None:
        return None
    mt, settings = found
    visible = policy.page_visible(mt.page, policy.policy_of(settings))
    seen[slug] = mt.page if visible else None
    return mt if visible else None


# Built once: every public request asks them, and building a statement costs more than running it.
_PUBLIC_PAGE = (
    select(BookingPage, OrgSettings)
    .join(BookingPage.user)
    .outerjoin(OrgSettings, OrgSettings.id == policy.SETTINGS_ID)
    .where(BookingPage.slug == bindparam("slug"))
    .options(contains_eager(BookingPage.user))
    .execution_options(populate_existing=True)
)
_PUBLIC_TYPE_AT = (
    select(MeetingType, OrgSettings)
    .join(MeetingType.page)
    .join(BookingPage.user)
    .outerjoin(OrgSettings, OrgSettings.id == policy.SETTINGS_ID)
    .where(
        BookingPage.slug == bindparam("slug"),
        MeetingType.slug == bindparam("type_slug"),
        MeetingType.visibility == "public",
    )
    .options(contains_eager(MeetingType.page).contains_eager(BookingPage.user))
    .execution_options(populate_existing=True)
)
_PUBLIC_TYPE = select(MeetingType).where(
    MeetingType.page_id == bindparam("page_id"),
    MeetingType.slug == bindparam("type_slug"),
    MeetingType.visibility == "public",
)


def public_types(page: BookingPage) -> list:
    return [mt for mt in page.meeting_types if mt.visibility == "public"]


def public_type(page: BookingPage, type_slug: str) -> MeetingType | None:
    """Return the page's public meeting type of that slug, else None."""
    return db.session.scalar(_PUBLIC_TYPE, {"page_id": page.id, "type_slug": type_slug})
