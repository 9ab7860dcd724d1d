"""Connected calendars (SPEC §5): an ICS feed, or a CalDAV calendar that may receive bookings."""

from urllib.parse import urlsplit, urlunsplit

from marshmallow import ValidationError, fields, validates_schema

from . import In, Out
from .fields import Choice, Flag, Instant, Message, Secret, Text, _l, fail

KINDS = ("ics", "caldav")
STATUSES = ("pending", "ok", "error")
MAX_URL = 2000
ICS_READS_ONLY = _l("only a CalDAV calendar can receive bookings")


class Address(Text):
    """A calendar's address: http(s), webcal:// read as https://; the service checks the rest."""

    def __init__(self, **kwargs):
        kwargs.setdefault("metadata", {})
        kwargs["metadata"].update(format="uri", example="https://calendar.example.com/ann.ics")
        super().__init__(max_length=MAX_URL, required=kwargs.pop("required", True), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        try:
            parts = urlsplit(value)
            scheme = parts.scheme.lower()
            if scheme in ("webcal", "webcals"):
                parts = parts._replace(scheme="https")
            elif scheme not in ("http", "https"):
                raise fail(_l("must be an http:// or https:// address"))
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            raise fail(_l("is not a valid address")) from None
        if not host:
            raise fail(_l("must name a host (like https://calendar.example.com/)"))
        return urlunsplit(parts._replace(fragment=""))


class CalendarIn(In):
    kind = Choice(KINDS, required=True)
    url = Address()
    username = Text(max_length=254, load_default="")
    password = Secret(max_length=1000, load_default="")
    write_bookings = Flag(load_default=False)

    @validates_schema(skip_on_field_errors=True)
    def _ics_reads_only(self, data, **kwargs):
        if data.get("kind") == "ics" and data.get("write_bookings"):
            raise ValidationError({"write_bookings": [Message(ICS_READS_ONLY)]})


class CalendarChange(In):
    """A change to a calendar: only the fields given change; its kind can't."""

    kind = Choice(KINDS)
    url = Address(required=False)
    username = Text(max_length=254)
    password = Secret(max_length=1000)
    write_bookings = Flag()


class CalendarOut(Out):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    url = fields.String(required=True)
    name = fields.String(required=True)
    username = fields.String(required=True)
    has_password = fields.Function(
        lambda cal: bool(cal.password_encrypted), required=True, metadata={"type": "boolean"}
    )
    write_bookings = fields.Boolean(required=True)
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    last_synced_at = Instant(required=True, allow_none=True)
    last_attempt_at = Instant(required=True, allow_none=True)
    next_sync_at = Instant(required=True, allow_none=True)
    error = fields.String(required=True, allow_none=True)


class CalendarList(Out):
    calendars = fields.List(fields.Nested(CalendarOut), required=True)
