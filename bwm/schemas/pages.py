"""The organizer's booking page, and what attendees see of it."""

from marshmallow import fields

from . import In, Out
from .fields import Choice, Color, Flag, Hours, Slug, Text, Zone

# The built-in banners (static/img/banners/<name>.svg).
BANNERS = ("dawn", "waves", "meadow", "dusk")


class PageIn(In):
    """A change to the page: only the fields given change."""

    slug = Slug()
    display_name = Text(required=True)
    welcome = Text(max_length=5000)
    timezone = Zone()
    published = Flag()
    hours = Hours()
    brand_color = Color(metadata={"description": 'buttons and links; null or "": bwm\'s own blue'})
    banner = Choice(
        BANNERS, allow_none=True, metadata={"description": "a built-in banner; null: none"}
    )


class PageOut(Out):
    slug = fields.String(required=True)
    display_name = fields.String(required=True)
    welcome = fields.String(required=True)
    timezone = fields.String(required=True)
    published = fields.Boolean(required=True)
    hours = Hours(attribute="windows", required=True)
    brand_color = fields.String(required=True, allow_none=True)
    banner = fields.String(required=True, allow_none=True, metadata={"enum": [*BANNERS, None]})


class PublicPage(Out):
    slug = fields.String(required=True)
    display_name = fields.String(required=True)
    timezone = fields.String(required=True)


class PublicMeetingType(Out):
    slug = fields.String(required=True)
    title = fields.String(required=True)
    duration_minutes = fields.Integer(required=True)
    description = fields.String(required=True)
    location_kind = fields.String(required=True)


class PublicPageOut(Out):
    page = fields.Nested(PublicPage, required=True)
    meeting_types = fields.List(fields.Nested(PublicMeetingType), required=True)


class PageImageOut(Out):
    """A page's photo or own banner as kept (re-encoded as WebP)."""

    kind = fields.String(required=True, metadata={"enum": ["photo", "banner"]})
    url = fields.String(required=True, metadata={"description": "where attendees' pages load it"})
    width = fields.Integer(required=True)
    height = fields.Integer(required=True)
