"""Meeting types (SPEC §3, §5): what the organizer sends, and what the API answers."""

from marshmallow import fields, pre_load

from . import In, Out
from .fields import Choice, Flag, Hours, Minutes, Overrides, Slug, Text, Whole

LOCATION_KINDS = ("none", "in_person", "phone", "online")
VISIBILITIES = ("public", "private")
REMINDERS = {"low": 15, "high": 20160, "most": 5}  # 15 minutes to 2 weeks, at most 5


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

    def _hours(self, mt):
        return _HOURS._serialize(mt.windows, "hours", mt) if mt.custom_hours else None


class MeetingTypeList(Out):
    meeting_types = fields.List(fields.Nested(MeetingTypeOut), required=True)
