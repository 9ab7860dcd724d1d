"""The audit trail (SPEC §11): its filters and its events."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from marshmallow import fields

from . import In, Out
from .fields import Day, Instant, Text, Whole


class AuditQuery(In):
    """The filters of /admin/audit and GET /api/v1/admin/audit (days are UTC, both included)."""

    who = Text(max_length=254, load_default="")
    action = Text(max_length=64, load_default="")
    target = Text(max_length=254, load_default="")
    start = Day(data_key="from", load_default=None, allow_none=True)
    end = Day(data_key="to", load_default=None, allow_none=True)
    limit = Whole(1, 200, load_default=50)
    after = Whole(1, 2**31 - 1, load_default=None, allow_none=True)


def search_args(query: dict) -> dict:
    """Return audit.search's arguments for a loaded AuditQuery."""

    def midnight(day):
        return datetime.combine(day, time(), tzinfo=UTC) if day else None

    end = midnight(query.get("end"))
    return {
        "who": query.get("who") or "",
        "action": query.get("action") or "",
        "target": query.get("target") or "",
        "start": midnight(query.get("start")),
        "end": end + timedelta(days=1) if end else None,
        "after_id": query.get("after"),
        "limit": query.get("limit") or 50,
    }


class AuditEventOut(Out):
    id = fields.Integer(required=True)
    at = Instant(required=True)
    actor = fields.String(required=True)
    actor_id = fields.Integer(required=True, allow_none=True)
    action = fields.String(required=True)
    target_type = fields.String(required=True)
    target = fields.String(required=True)
    before = fields.Dict(required=True, allow_none=True)
    after = fields.Dict(required=True, allow_none=True)


class AuditList(Out):
    events = fields.List(fields.Nested(AuditEventOut), required=True)
    next = fields.Integer(
        required=True, allow_none=True, metadata={"description": "pass as `after` for older ones"}
    )
