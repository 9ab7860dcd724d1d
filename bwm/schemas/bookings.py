"""Bookings (SPEC §5): what an attendee sends, and the booking every answer shows."""

from marshmallow import fields

from ..domain.questions import answers_by_id
from . import In, Inline, Out
from .fields import Choice, Day, Email, Flag, Instant, Instants, Text, Whole, Zone

# "unverified": held until the attendee confirms their email (SPEC §11); "released": not in time.
STATUSES = ("unverified", "pending", "confirmed", "declined", "cancelled", "released")
ANSWERS_DOC = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [
            {"type": "string"},
            {"type": "array", "items": {"type": "string"}},
            {"type": "boolean"},
        ]
    },
    "description": "question id to answer: a string; a list of strings (multiselect); a bool "
    "(checkbox)",
    "example": {"topic": "The budget", "phone": "+46 70 123 45 67"},
}


class BookingIn(In):
    start = Instant(required=True, metadata={"description": "one of the free starts"})
    name = Text(required=True)
    email = Email(required=True)
    note = Text(max_length=2000, load_default="")
    timezone = Zone(
        allow_none=True, load_default=None, metadata={"description": "the attendee's; the page's"}
    )
    duration_minutes = Whole(
        5,
        720,
        allow_none=True,
        load_default=None,
        metadata={"description": "one of the type's durations_minutes; its default"},
    )
    # Checked against the type's questions by the booking service (errors name answers.<id>).
    answers = fields.Raw(load_default=dict, metadata=ANSWERS_DOC)
    # SPEC §11: required to be true when the organization asks for consent (bookings.check_consent).
    consent = Flag(
        load_default=False,
        metadata={"description": "the attendee agrees to the organization's consent text"},
    )
    # SPEC §11: with BWM_BOT_CHECK=pow, the solved challenge of GET /altcha/challenge
    # (services/bot_checks.py checks and spends it).
    altcha = Text(
        max_length=4000,
        load_default="",
        metadata={"description": "with the bot check on: the ALTCHA solution, base64 JSON"},
    )


class RescheduleIn(In):
    start = Instant(required=True)


class CancelIn(In):
    reason = Text(max_length=2000, load_default="")


class DeclineIn(In):
    reason = Text(
        max_length=2000, load_default="", metadata={"description": "told to the attendee"}
    )


class RequestRescheduleIn(In):
    message = Text(
        max_length=2000, load_default="", metadata={"description": "told to the attendee"}
    )


def _zone(booking) -> str:
    return booking.attendee_timezone


class Attendee(Out):
    name = fields.String(attribute="attendee_name", required=True)
    email = fields.String(attribute="attendee_email", required=True)
    timezone = fields.String(attribute="attendee_timezone", required=True)


class BookingOut(Out):
    uid = fields.String(required=True)
    start = Instant(zone=_zone, required=True)
    end = Instant(zone=_zone, required=True)
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    meeting_type = fields.String(attribute="meeting_type.slug", required=True)
    attendee = Inline(Attendee, required=True)
    note = fields.String(required=True)
    online_meeting_url = fields.String(required=True, allow_none=True)
    duration_minutes = fields.Integer(required=True)
    answers = fields.Method("_answers", required=True, metadata=ANSWERS_DOC)
    consent_text = fields.String(
        required=True,
        metadata={"description": 'the consent text the attendee agreed to; "" when none was asked'},
    )

    verify_until = Instant(
        zone=_zone,
        required=True,
        allow_none=True,
        metadata={"description": 'an "unverified" booking is released at this time'},
    )

    def _answers(self, booking):
        return answers_by_id(booking.answers)


class BookingEnvelope(Out):
    booking = fields.Nested(BookingOut, required=True)


class BookingCreated(Out):
    booking = fields.Nested(BookingOut, required=True)
    manage_url = fields.String(required=True, metadata={"description": "the attendee's link"})


class BookingsQuery(In):
    from_ = Day(data_key="from", metadata={"description": "first date, in the page's zone"})
    to = Day(metadata={"description": "last date, in the page's zone"})
    status = Choice(STATUSES)
    format = Choice(("json", "csv"), metadata={"description": "csv: one column per question"})


class BookingList(Out):
    bookings = fields.List(fields.Nested(BookingOut), required=True)


class SlotsQuery(In):
    start = Day(metadata={"description": "first date in tz; today when left out"})
    end = Day(metadata={"description": "last date in tz, inclusive; start + 30 days when left out"})
    tz = Zone(metadata={"description": "the zone of the dates and answers; the page's"})
    duration = Whole(5, 720, metadata={"description": "one of the type's durations_minutes"})


class SlotsOut(Out):
    timezone = fields.String(required=True)
    slots = Instants(required=True)
