"""Busy blocks the organizer enters by hand (SPEC §5)."""

from datetime import timedelta

from marshmallow import ValidationError, fields, validates_schema

from . import In, Out
from .fields import Instant, Message, Text, _l

MAX_BLOCK = timedelta(days=366)


class BusyIn(In):
    start = Instant(required=True)
    end = Instant(required=True)
    title = Text(load_default="")

    @validates_schema(skip_on_field_errors=True)
    def _order(self, data, **kwargs):
        if data["end"] <= data["start"]:
            raise ValidationError({"end": [Message(_l("must be after the start"))]})
        if data["end"] - data["start"] > MAX_BLOCK:
            raise ValidationError({"end": [Message(_l("a busy block may last at most a year"))]})


class BusyOut(Out):
    id = fields.Integer(required=True)
    start = Instant(required=True)
    end = Instant(required=True)
    title = fields.String(required=True)


class BusyList(Out):
    busy = fields.List(fields.Nested(BusyOut), required=True)
