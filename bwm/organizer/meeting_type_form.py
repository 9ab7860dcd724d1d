"""The meeting type form <-> the API-shaped dict: fill the form from a saved type, read it
back with the hours and override editors, and put the service's messages beside its fields."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from ..models import MeetingType
from ..services import meeting_types, pages
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
)


def type_form(mt: MeetingType | None) -> MeetingTypeForm:
    """Make the form, filled from the saved type (or the defaults) and then the request."""
    saved = meeting_types.to_dict(mt) if mt else {**meeting_types.DEFAULTS, "duration_minutes": 30}
    initial = dict(saved)
    for key in NUMBER_FIELDS:
        initial[key] = "" if saved.get(key) is None else str(saved[key])
    initial["reminders_minutes"] = list(saved.get("reminders_minutes") or [])
    initial["availability"] = "own" if saved.get("hours") is not None else "page"
    form = MeetingTypeForm(data=initial)
    # Keep reminder times set through the API that the checkboxes don't offer.
    offered = {value for value, _label in REMINDERS}
    extra = set(initial["reminders_minutes"]) - offered
    if extra:
        pairs = [*REMINDERS, *((m, _("%(n)s minutes before", n=m)) for m in extra)]
        form.reminders_minutes.choices = choices(sorted(pairs, key=lambda pair: pair[0]))
    return form


def type_editors(mt: MeetingType | None) -> tuple[editors.HoursState, list[dict]]:
    """Read the hours and override rows from the request, or from what is saved."""
    if request.method == "POST":
        return editors.hours_from_form(request.form), editors.overrides_from_form(request.form)
    page_hours = pages.page_to_dict(current_user.page)["hours"]
    if mt is None:
        return editors.hours_from_json(page_hours), []
    saved = meeting_types.to_dict(mt)
    # A type on the page's hours starts its own-hours editor from them.
    hours = editors.hours_from_json(saved["hours"] or page_hours)
    return hours, editors.overrides_from_json(saved["overrides"])


def type_data(
    form: MeetingTypeForm, hours: editors.HoursState, rows: list[dict], *, editing: bool
) -> tuple[dict, dict]:
    """Build the API-shaped dict of the form, and the editors' own complaints."""
    own = form.availability.data == "own"
    overrides, overrides_error = editors.overrides_to_json(rows)

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


def type_errors(form: MeetingTypeForm, found: dict, problems: dict) -> dict:
    """Put each message beside its field; the editors' own messages win for their parts."""
    errors: dict = {"other": [], **problems}
    rest = {}
    for name, message in found.items():
        if name == "hours":
            if not errors.get("days"):
                errors["hours"] = translated(message)
        elif name == "overrides":
            errors.setdefault("overrides", translated(message))
        else:
            rest[name] = message
    errors["other"] = errors_beside(form, rest)
    return errors
