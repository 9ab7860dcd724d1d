"""The meeting type form <-> the API-shaped dict: fill the form from a saved type, read it
back with the hours and override editors, and put the service's messages beside its fields."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from ..models import MeetingType
from ..services import calendars, meeting_types, pages
from ..web import errors_beside, translated
from . import editors
from .forms import REMINDERS, MeetingTypeForm, choices

NUMBER_FIELDS = (
    "duration_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "max_days_ahead",
    "slot_step_minutes",
    "max_per_day",
    "pending_hours",
    "attendee_change_cutoff_minutes",
    "max_per_week",
    "max_per_month",
    "follow_up_minutes",
)


def type_form(mt: MeetingType | None) -> MeetingTypeForm:
    """Make the form, filled from the saved type (or the defaults) and then the request."""
    saved = meeting_types.to_dict(mt) if mt else {**meeting_types.DEFAULTS, "duration_minutes": 30}
    initial = dict(saved)
    for key in NUMBER_FIELDS:
        initial[key] = "" if saved.get(key) is None else str(saved[key])
    initial["reminders_minutes"] = list(saved.get("reminders_minutes") or [])
    initial["availability"] = "own" if saved.get("hours") is not None else "page"
    lengths = saved.get("durations_minutes") or []
    initial["durations_minutes"] = ", ".join(map(str, lengths)) if len(lengths) > 1 else ""
    initial["blocking"] = "all" if saved.get("blocking_calendars") is None else "chosen"
    initial["blocking_calendars"] = list(saved.get("blocking_calendars") or [])
    initial["color"] = saved.get("color") or ""
    form = MeetingTypeForm(data=initial)
    form.blocking_calendars.choices = choices(
        (c.id, c.name or c.url) for c in calendars.list_calendars(current_user.id)
    )
    # Keep reminder times set through the API that the checkboxes don't offer.
    offered = {value for value, _label in REMINDERS}
    extra = set(initial["reminders_minutes"]) - offered
    if extra:
        pairs = [*REMINDERS, *((m, _("%(n)s minutes before", n=m)) for m in extra)]
        form.reminders_minutes.choices = choices(sorted(pairs, key=lambda pair: pair[0]))
    return form


@dataclass
class TypeEditors:
    """The rows of the form's editors, as the browser sent them or as saved."""

    hours: editors.HoursState
    overrides: list[dict]
    questions: list[dict]

    def apply(self, action: str) -> bool:
        """Apply an editor's Add, Remove or Move button; tell whether it was one."""
        return (
            editors.apply_hours_action(self.hours, action) is not None
            or editors.apply_overrides_action(self.overrides, action)
            or editors.apply_questions_action(self.questions, action)
        )


def type_editors(mt: MeetingType | None) -> TypeEditors:
    """Read the hours, override and question rows from the request, or from what is saved."""
    if request.method == "POST":
        form = request.form
        return TypeEditors(
            editors.hours_from_form(form),
            editors.overrides_from_form(form),
            editors.questions_from_form(form),
        )
    page_hours = pages.page_to_dict(current_user.page)["hours"]
    if mt is None:
        return TypeEditors(editors.hours_from_json(page_hours), [], [])
    saved = meeting_types.to_dict(mt)
    # A type on the page's hours starts its own-hours editor from them.
    return TypeEditors(
        editors.hours_from_json(saved["hours"] or page_hours),
        editors.overrides_from_json(saved["overrides"]),
        editors.questions_from_json(saved["questions"]),
    )


def _lengths(text: str | None) -> list[str]:
    """ "30, 60" or "30 60" as the API's list (each checked by the schema)."""
    return [part for part in re.split(r"[\s,;]+", text or "") if part]


def type_data(form: MeetingTypeForm, state: TypeEditors, *, editing: bool) -> tuple[dict, dict]:
    """Build the API-shaped dict of the form, and the editors' own complaints."""
    own = form.availability.data == "own"
    hours = state.hours
    overrides, overrides_error = editors.overrides_to_json(state.overrides)

    def number(field, *, blank=None):
        value = (field.data or "").strip()
        return value if value else blank

    data = {
        "title": form.title.data or "",
        "description": form.description.data or "",
        "duration_minutes": number(form.duration_minutes),
        "location_kind": form.location_kind.data,
        "location": form.location.data or "",
        "online_meeting": bool(form.online_meeting.data),
        "hours": editors.hours_to_json(hours) if own else None,
        "overrides": overrides,
        # An emptied buffer or notice means none.
        "buffer_before_minutes": number(form.buffer_before_minutes, blank=0),
        "buffer_after_minutes": number(form.buffer_after_minutes, blank=0),
        "min_notice_minutes": number(form.min_notice_minutes, blank=0),
        "max_days_ahead": number(form.max_days_ahead),
        "slot_step_minutes": number(form.slot_step_minutes),
        "max_per_day": number(form.max_per_day),
        "reminders_minutes": list(form.reminders_minutes.data or []),
        "visibility": form.visibility.data,
        "questions": editors.questions_to_json(state.questions),
        "durations_minutes": _lengths(form.durations_minutes.data),
        "requires_confirmation": bool(form.requires_confirmation.data),
        "verify_email": bool(form.verify_email.data),
        "pending_hours": number(form.pending_hours),
        "attendee_change_cutoff_minutes": number(form.attendee_change_cutoff_minutes, blank=0),
        "max_per_week": number(form.max_per_week),
        "max_per_month": number(form.max_per_month),
        "blocking_calendars": list(form.blocking_calendars.data or [])
        if form.blocking.data == "chosen"
        else None,
        "color": (form.color.data or "").strip() or None,
        "reminder_message": form.reminder_message.data or "",
        "follow_up_minutes": number(form.follow_up_minutes),
        "follow_up_message": form.follow_up_message.data or "",
    }
    slug = (form.slug.data or "").strip()
    if slug or editing:
        data["slug"] = slug
    problems: dict = {}
    if own:
        days = editors.hours_errors(hours)
        if days:
            problems["days"] = days
    if overrides_error:
        problems["overrides"] = overrides_error
    return data, problems


def type_errors(
    form: MeetingTypeForm, found: dict, problems: dict, questions: list[dict] | None = None
) -> dict:
    """Put each message beside its field; the editors' own messages win for their parts."""
    errors: dict = {"other": [], **problems}
    rest = {}
    errors["question_rows"] = editors.question_errors(questions or [], found)
    for name, message in found.items():
        if name.startswith("questions."):
            continue  # beside its row (above)
        if name == "questions":
            errors["questions"] = translated(message)
        elif name.startswith("durations_minutes"):
            rest["durations_minutes"] = message
        elif name.startswith("blocking_calendars"):
            rest["blocking_calendars"] = message
        elif name == "hours":
            if not errors.get("days"):
                errors["hours"] = translated(message)
        elif name == "overrides":
            errors.setdefault("overrides", translated(message))
        else:
            rest[name] = message
    errors["other"] = errors_beside(form, rest)
    return errors
