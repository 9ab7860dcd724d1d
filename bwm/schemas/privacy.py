"""The organization's privacy settings (SPEC §11): how long attendees' data is kept, and the
consent the booking forms ask for."""

from marshmallow import fields

from . import In, Out
from .fields import Email, Text, Whole

RETENTION_MAX_DAYS = 3650
CONSENT_MAX = 2000


class PrivacySettingsIn(In):
    retention_days = Whole(
        1,
        RETENTION_MAX_DAYS,
        allow_none=True,
        metadata={
            "description": "erase attendees' personal data this many days after a booking "
            "ends; null keeps it"
        },
    )
    consent_text = Text(
        max_length=CONSENT_MAX,
        metadata={"description": "the booking forms' required checkbox; empty asks nothing"},
    )


class PrivacySettingsOut(Out):
    retention_days = fields.Integer(required=True, allow_none=True)
    consent_text = fields.String(required=True)


class AttendeeIn(In):
    email = Email(required=True, metadata={"description": "the attendee's email address"})


class ExportedBookingOut(Out):
    uid = fields.String(required=True)
    organizer = fields.String(required=True)
    meeting_type = fields.String(required=True)
    start = fields.String(required=True, metadata={"format": "date-time"})
    end = fields.String(required=True, metadata={"format": "date-time"})
    status = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    note = fields.String(required=True)
    answers = fields.List(fields.Dict(), required=True)
    timezone = fields.String(required=True)
    consent_text = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class QueuedMessageOut(Out):
    subject = fields.String(required=True)
    status = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class PersonLinkOut(Out):
    meeting_type = fields.String(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})
    expires_at = fields.String(required=True, metadata={"format": "date-time"})


class AttendeeDataOut(Out):
    """Everything stored about one email address."""

    email = fields.String(required=True)
    exported_at = fields.String(required=True, metadata={"format": "date-time"})
    bookings = fields.List(fields.Nested(ExportedBookingOut), required=True)
    queued_messages = fields.List(fields.Nested(QueuedMessageOut), required=True)
    person_links = fields.List(fields.Nested(PersonLinkOut), required=True)


class ErasedOut(Out):
    """What erasing an address did."""

    bookings = fields.Integer(required=True, metadata={"description": "bookings anonymized"})
    cancelled = fields.Integer(required=True, metadata={"description": "future ones cancelled"})
    messages_dropped = fields.Integer(required=True)
    person_links = fields.Integer(required=True)
