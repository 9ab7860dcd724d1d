"""Private links to one meeting type (SPEC §5)."""

from marshmallow import fields

from . import In, Out
from .fields import Email, Flag, Instant, Text

STATES = ("active", "expired", "used", "revoked")


class LinkIn(In):
    single_use = Flag(load_default=False)
    expires_at = Instant(
        allow_none=True,
        load_default=None,
        metadata={"description": "by default and at most BWM_PRIVATE_LINK_DAYS from now"},
    )
    # A link for one person (SPEC §9): the form opens with their name and email filled in.
    name = Text(load_default="")
    email = Email(allow_none=True, load_default=None)
    message = Text(max_length=2000, load_default="")
    send = Flag(load_default=False, metadata={"description": "email the link to `email`"})


class LinkOut(Out):
    id = fields.Integer(required=True)
    meeting_type_id = fields.Integer(required=True)
    url = fields.String(required=True)
    token = fields.String(required=True)
    single_use = fields.Boolean(required=True)
    state = fields.String(required=True, metadata={"enum": list(STATES)})
    created_at = Instant(required=True)
    expires_at = Instant(required=True)
    used_at = Instant(required=True, allow_none=True)
    revoked_at = Instant(required=True, allow_none=True)
    name = fields.String(required=True)
    email = fields.String(required=True)


class LinkList(Out):
    links = fields.List(fields.Nested(LinkOut), required=True)
