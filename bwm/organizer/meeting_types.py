"""Meeting types under /me/types: list, add, change (with a live preview), copy, delete."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..domain.errors import Conflict, ValidationFailed
from ..domain.questions import MAX_QUESTIONS
from ..extensions import db
from ..htmx import is_htmx, render_htmx
from ..models import MeetingType
from ..schemas import load
from ..schemas.fields import WEEKDAYS
from ..schemas.meeting_types import MeetingTypeIn
from ..services import meeting_types
from ..web import errors_beside, now, problems_of, translated
from . import editors, preview
from .blueprint import bp
from .forms import EmptyForm, MeetingTypeForm, submitted_action
from .meeting_type_form import TypeEditors, type_data, type_editors, type_errors, type_form


def question_kinds() -> list[tuple[str, str]]:
    """The kinds of question, named in the reader's language."""
    return [
        ("text", _("Short text")),
        ("textarea", _("Long text")),
        ("select", _("One of a list")),
        ("multiselect", _("Several of a list")),
        ("checkbox", _("A checkbox")),
        ("phone", _("Phone number")),
    ]


def own_type(type_id: int) -> MeetingType:
    """Return the signed-in organizer's meeting type, 404 for anyone else's."""
    mt = db.session.get(MeetingType, type_id)
    if mt is None or mt.page_id != current_user.page.id:
        abort(404)
    return mt


@bp.get("/types", endpoint="meeting_types")
def meeting_type_list():
    """List the meeting types with their links and actions."""
    page = current_user.page
    return render_template("organizer/meeting_types.html", page=page, types=page.meeting_types)


def _type_context(
    mt: MeetingType | None,
    form: MeetingTypeForm,
    state: TypeEditors,
    *,
    errors: dict | None = None,
    with_preview: bool = True,
) -> dict:
    """Build what the meeting type page and its fragments show, preview included."""
    errors = errors or {}
    page = current_user.page
    args = {"type_id": mt.id} if mt else {}
    shown = None
    if with_preview and not any(errors.values()) and not any(f.errors for f in form):
        data, problems = type_data(form, state, editing=mt is not None)
        if not problems:
            shown = preview.build(page, data, now=now(), type_id=mt.id if mt else None)
    row_errors = errors.get("question_rows") or [{} for _row in state.questions]
    return {
        "form": form,
        "mt": mt,
        "page": page,
        "days": editors.editor_days(state.hours, errors.get("days")),
        "hours_error": errors.get("hours"),
        "overrides": state.overrides,
        "overrides_error": errors.get("overrides"),
        "questions": list(zip(state.questions, row_errors, strict=True)),
        "questions_error": errors.get("questions"),
        "question_kinds": question_kinds(),
        "max_questions": MAX_QUESTIONS,
        "has_calendars": bool(form.blocking_calendars.choices),
        "other_errors": errors.get("other", []),
        "preview": shown,
        "hours_endpoint": "organizer.meeting_type_day_hours",
        "hours_args": args,
        "type_args": args,
        "form_action": url_for(".meeting_type_edit", type_id=mt.id)
        if mt
        else url_for(".meeting_type_new"),
    }


def _type_page(mt: MeetingType | None):
    """Show, re-show or save the meeting type form (new when mt is None)."""
    form = type_form(mt)
    state = type_editors(mt)
    action = submitted_action()
    if request.method == "GET" or action == "preview" or state.apply(action):
        return render_template("organizer/meeting_type_edit.html", **_type_context(mt, form, state))

    errors: dict = {}
    data, problems = type_data(form, state, editing=mt is not None)
    try:
        values = load(MeetingTypeIn, data, partial=mt is not None)
        if problems:
            raise ValidationFailed({})
        saved = (
            meeting_types.update(mt, values)
            if mt
            else meeting_types.create(current_user.page, values)
        )
    except ValidationFailed as exc:
        errors = type_errors(form, exc.errors, problems, state.questions)
    except Conflict as exc:
        errors = {"other": errors_beside(form, problems_of(exc))}
    else:
        db.session.commit()
        flash(_("“%(title)s” is saved.", title=saved.title), "success")
        return redirect(url_for(".meeting_types"), 303)
    db.session.rollback()
    return render_template(
        "organizer/meeting_type_edit.html",
        **_type_context(mt, form, state, errors=errors or {"other": []}),
    ), 422


@bp.route("/types/new", methods=["GET", "POST"])
def meeting_type_new():
    """Add a meeting type."""
    return _type_page(None)


@bp.route("/types/<int:type_id>/edit", methods=["GET", "POST"])
def meeting_type_edit(type_id: int):
    """Change a meeting type."""
    return _type_page(own_type(type_id))


def _type_fragment(type_id: int | None, partial: str, *, day: str | None = None):
    """Re-render part of the meeting type form from the request, saving nothing.

    htmx gets the fragment; a request without it gets the whole form, with the same change.
    """
    mt = own_type(type_id) if type_id is not None else None
    form = type_form(mt)
    state = type_editors(mt)
    action = request.form.get("action", "")
    extra = {}
    if partial == "organizer/_day_hours.html":
        editors.apply_hours_action(state.hours, action)
        extra["day"] = editors.one_day(state.hours, day)
    elif partial == "organizer/_overrides.html":
        editors.apply_overrides_action(state.overrides, action)
    elif partial == "organizer/_questions.html":
        editors.apply_questions_action(state.questions, action)
    with_preview = partial == "organizer/_preview.html" or not is_htmx()
    context = _type_context(mt, form, state, with_preview=with_preview)
    return render_htmx("organizer/meeting_type_edit.html", partial, **context, **extra)


@bp.post("/types/hours/<day>", defaults={"type_id": None})
@bp.post("/types/<int:type_id>/hours/<day>")
def meeting_type_day_hours(day: str, type_id: int | None):
    """Add or remove a window of one day in a type's own hours; save nothing."""
    if day not in WEEKDAYS:
        abort(404)
    return _type_fragment(type_id, "organizer/_day_hours.html", day=day)


@bp.post("/types/overrides", defaults={"type_id": None})
@bp.post("/types/<int:type_id>/overrides")
def meeting_type_overrides(type_id: int | None):
    """Add or remove a date override row; save nothing."""
    return _type_fragment(type_id, "organizer/_overrides.html")


@bp.post("/types/questions", defaults={"type_id": None})
@bp.post("/types/<int:type_id>/questions")
def meeting_type_questions(type_id: int | None):
    """Add, remove or move a booking question row; save nothing."""
    return _type_fragment(type_id, "organizer/_questions.html")


@bp.post("/types/preview", defaults={"type_id": None})
@bp.post("/types/<int:type_id>/preview")
def meeting_type_preview(type_id: int | None):
    """Show the next free times the unsaved values would offer; save nothing."""
    return _type_fragment(type_id, "organizer/_preview.html")


@bp.post("/types/<int:type_id>/duplicate")
def meeting_type_duplicate(type_id: int):
    """Copy a meeting type with every setting under a new link name."""
    mt = own_type(type_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    copy = meeting_types.duplicate(mt)
    db.session.commit()
    flash(_("Copied as “%(title)s” (%(slug)s).", title=copy.title, slug=copy.slug), "success")
    return redirect(url_for(".meeting_types"), 303)


@bp.post("/types/<int:type_id>/delete")
def meeting_type_delete(type_id: int):
    """Delete a meeting type that has no bookings."""
    mt = own_type(type_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    title = mt.title
    try:
        meeting_types.delete(mt)
    except Conflict as exc:
        db.session.rollback()
        flash(translated(exc.message), "error")
    else:
        db.session.commit()
        flash(_("“%(title)s” is deleted.", title=title), "success")
    return redirect(url_for(".meeting_types"), 303)
