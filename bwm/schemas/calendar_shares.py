"""A calendar shown to someone outside (SPEC §3, §5)."""

from marshmallow import fields

from ..domain.policy import DETAILS
from . import In, Out
from .fields import Choice, Email, Instant

STATES = ("active", "revoked", "closed")


class CalendarShareIn(In):
    email = Email(required=True)
    detail = Choice(DETAILS, required=True)


class CalendarShareOut(Out):
    id = fields.Integer(required=True)
    email = fields.String(required=True)
    detail = fields.String(required=True, metadata={"enum": list(DETAILS)})
    shown_detail = fields.String(
        required=True,
        allow_none=True,
        metadata={"enum": [*DETAILS, None], "description": "what the link shows now"},
    )
    state = fields.String(required=True, metadata={"enum": list(STATES)})
    url = fields.String(required=True)
    ics_url = fields.String(required=True)
    created_at = Instant(required=True)
    revoked_at = Instant(required=True, allow_none=True)


class CalendarShareList(Out):
    calendar_shares = fields.List(fields.Nested(CalendarShareOut), required=True)
