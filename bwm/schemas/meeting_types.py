"""Meeting types (SPEC §3, §5): what the organizer sends, and what the API answers."""

from marshmallow import fields, pre_load

from ..domain.availability import durations_of
from . import In, Out
from .fields import Choice, Color, Flag, Hours, Minutes, Overrides, Slug, Text, Whole
from .questions import QuestionOut, Questions

LOCATION_KINDS = ("none", "in_person", "phone", "online")
VISIBILITIES = ("public", "private")
REMINDERS = {"low": 15, "high": 20160, "most": 5}  # 15 minutes to 2 weeks, at most 5
DURATIONS = {"low": 5, "high": 720, "most": 6}  # the lengths an attendee may choose from


class MeetingTypeIn(In):
    """A new meeting type; a field left out takes SPEC §5's default. PATCH loads it partial."""

    @pre_load
    def _slug_from_title(self, data, *, partial=None, **kwargs):
        """A new type's empty slug is made from its title (a change must give one)."""
        changing = partial or self.partial
        if not changing and isinstance(data, dict) and data.get("slug") in ("", None):
            return {k: v for k, v in data.items() if k != "slug"}
        return data

    title = Text(required=True)
    slug = Slug(required=False, metadata={"description": "made from the title when left out"})
    description = Text(max_length=5000, load_default="")
    duration_minutes = Whole(5, 720, required=True)
    visibility = Choice(VISIBILITIES, load_default="public")
    location_kind = Choice(LOCATION_KINDS, load_default="none")
    location = Text(max_length=500, load_default="")
    online_meeting = Flag(
        metadata={"description": "a room for each booking; true by default for online types"}
    )
    hours = Hours(allow_none=True, load_default=None, metadata={"description": "null: the page's"})
    overrides = Overrides(load_default=dict)
    buffer_before_minutes = Whole(0, 720, load_default=0)
    buffer_after_minutes = Whole(0, 720, load_default=0)
    min_notice_minutes = Whole(0, 525600, load_default=0)
    max_days_ahead = Whole(0, 730, load_default=60)
    slot_step_minutes = Whole(
        5, 720, allow_none=True, load_default=None, metadata={"description": "null: the duration"}
    )
    max_per_day = Whole(1, 1000, allow_none=True, load_default=None)
    reminders_minutes = Minutes(
        REMINDERS["low"], REMINDERS["high"], most=REMINDERS["most"], load_default=list
    )
    # SPEC §9
    questions = Questions(load_default=list)
    requires_confirmation = Flag(load_default=False)
    # SPEC §11: a booking holds as "unverified" until the attendee confirms from the email.
    verify_email = Flag(load_default=False)
    pending_hours = Whole(1, 720, load_default=48)
    attendee_change_cutoff_minutes = Whole(0, 525600, load_default=0)
    durations_minutes = Minutes(
        DURATIONS["low"],
        DURATIONS["high"],
        most=DURATIONS["most"],
        load_default=list,
        metadata={"description": "the lengths to choose from; duration_minutes is among them"},
    )
    max_per_week = Whole(1, 5000, allow_none=True, load_default=None)
    max_per_month = Whole(1, 20000, allow_none=True, load_default=None)
    blocking_calendars = fields.List(
        Whole(1, 2**31 - 1),
        allow_none=True,
        load_default=None,
        metadata={"description": "null: every connected calendar; else the ids that block"},
    )
    color = Color(load_default=None)
    reminder_message = Text(max_length=2000, load_default="")
    follow_up_minutes = Whole(
        0, 43200, allow_none=True, load_default=None, metadata={"description": "null: none"}
    )
    follow_up_message = Text(max_length=2000, load_default="")


_HOURS = Hours()


class MeetingTypeOut(Out):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    slug = fields.String(required=True)
    description = fields.String(required=True)
    duration_minutes = fields.Integer(required=True)
    visibility = fields.String(required=True, metadata={"enum": list(VISIBILITIES)})
    location_kind = fields.String(required=True, metadata={"enum": list(LOCATION_KINDS)})
    location = fields.String(required=True)
    online_meeting = fields.Boolean(required=True)
    hours = fields.Method(
        "_hours",
        required=True,
        allow_none=True,
        metadata={**Hours().metadata, "description": "null: the page's hours"},
    )
    overrides = Overrides(required=True)
    buffer_before_minutes = fields.Integer(required=True)
    buffer_after_minutes = fields.Integer(required=True)
    min_notice_minutes = fields.Integer(required=True)
    max_days_ahead = fields.Integer(required=True)
    slot_step_minutes = fields.Integer(required=True, allow_none=True)
    max_per_day = fields.Integer(required=True, allow_none=True)
    reminders_minutes = fields.List(fields.Integer(), required=True)
    questions = fields.List(fields.Nested(QuestionOut), required=True)
    requires_confirmation = fields.Boolean(required=True)
    verify_email = fields.Boolean(required=True)
    pending_hours = fields.Integer(required=True)
    attendee_change_cutoff_minutes = fields.Integer(required=True)
    durations_minutes = fields.Method(
        "_durations", required=True, metadata={"type": "array", "items": {"type": "integer"}}
    )
    max_per_week = fields.Integer(required=True, allow_none=True)
    max_per_month = fields.Integer(required=True, allow_none=True)
    blocking_calendars = fields.List(fields.Integer(), required=True, allow_none=True)
    color = fields.String(required=True, allow_none=True)
    reminder_message = fields.String(required=True)
    follow_up_minutes = fields.Integer(required=True, allow_none=True)
    follow_up_message = fields.String(required=True)

    def _durations(self, mt):
        return durations_of(mt.duration_minutes, mt.durations_minutes)

    def _hours(self, mt):
        return _HOURS._serialize(mt.windows, "hours", mt) if mt.custom_hours else None


class MeetingTypeList(Out):
    meeting_types = fields.List(fields.Nested(MeetingTypeOut), required=True)
