"""The organizer's view under /me."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import Form

from ..domain.errors import BookingClosed, Conflict, ValidationFailed
from ..extensions import db
from ..htmx import is_htmx, render_htmx
from ..models import Booking, BusyBlock, MeetingType
from ..services import bookings, busy, meeting_types, organizers, pages
from ..services.hours import WEEKDAYS
from ..web import now
from . import editors, preview
from .blueprint import bp
from .forms import (
    REMINDERS,
    BusyBlockForm,
    CancelBookingForm,
    EmptyForm,
    MeetingTypeForm,
    PageSettingsForm,
    choices,
)


@bp.before_request
@login_required
def require_login():
    """Every page under /me is for a signed-in organizer."""


@bp.get("/")
def dashboard():
    """Show the organizer's page link, meeting types and next bookings at a glance."""
    page = current_user.page
    tz = ZoneInfo(page.timezone)
    upcoming = db.session.scalars(_bookings_query("upcoming", now()).limit(DASHBOARD_BOOKINGS))
    return render_template(
        "organizer/dashboard.html",
        page=page,
        next_bookings=[_booking_row(booking, tz) for booking in upcoming],
    )


def _add_error(form: Form, name: str, message: str) -> bool:
    """Show message beside the form's field of that name; tell whether there is one."""
    field = getattr(form, name, None)
    if field is None or not hasattr(field, "errors"):
        return False
    field.errors = [*field.errors, message]
    return True


def _action() -> str:
    return request.form.get("action", "save") if request.method == "POST" else ""


# --- booking page settings ------------------------------------------------------------------


def _page_context(form: PageSettingsForm, hours: editors.HoursState, errors: dict) -> dict:
    """Build what the settings page and its day fragments show."""
    return {
        "form": form,
        "page": current_user.page,
        "days": editors.editor_days(hours, errors.get("days")),
        "hours_error": errors.get("hours"),
        "other_errors": errors.get("other", []),
        "hours_endpoint": "organizer.page_day_hours",
        "hours_args": {},
    }


@bp.route("/page", methods=["GET", "POST"])
def page_settings():
    """Change the booking page's address, name, welcome, zone, publishing, languages and hours."""
    page = current_user.page
    form = PageSettingsForm(obj=page, language=current_user.language)
    if request.method == "GET":
        hours = editors.hours_from_json(pages.page_to_dict(page)["hours"])
        return render_template("organizer/page_settings.html", **_page_context(form, hours, {}))

    hours = editors.hours_from_form(request.form)
    if editors.apply_hours_action(hours, _action()):
        # Add or Remove without JavaScript: show the form again, nothing saved.
        return render_template("organizer/page_settings.html", **_page_context(form, hours, {}))
    errors: dict = {}
    if form.validate():
        data = {
            "slug": form.slug.data or "",
            "display_name": form.display_name.data or "",
            "welcome": form.welcome.data or "",
            "timezone": form.timezone.data or "",
            "published": bool(form.published.data),
            "hours": editors.hours_to_json(hours),
            "default_language": form.default_language.data,
            "language": form.language.data,
        }
        before = current_user.language
        try:
            organizers.update_settings(current_user, data, current_app.config["LANGUAGES"])
        except ValidationFailed as exc:
            errors = _page_errors(form, hours, exc.errors)
        except Conflict as exc:
            _add_error(form, exc.field, exc.message)
        else:
            db.session.commit()
            language = str(get_locale() or "en")
            if current_user.language != before:
                # A choice just made beats one remembered from the switcher: remember it instead.
                language = g.lang_chosen = current_user.language
            with force_locale(language):  # the language of the page the redirect shows
                flash(_("Your booking page is saved."), "success")
            return redirect(url_for(".page_settings"), 303)
        db.session.rollback()
    return render_template(
        "organizer/page_settings.html", **_page_context(form, hours, errors)
    ), 422


def _page_errors(form: PageSettingsForm, hours: editors.HoursState, found: dict) -> dict:
    """Put the service's messages beside their fields; the hours' beside their days."""
    errors: dict = {"other": []}
    for name, message in found.items():
        if name == "hours":
            errors["days"] = editors.hours_errors(hours)
            if not errors["days"]:
                errors["hours"] = message
        elif not _add_error(form, name, message):
            errors["other"].append(f"{name}: {message}")
    return errors


@bp.post("/page/hours/<day>")
def page_day_hours(day: str):
    """Add or remove a window of one day in the page's hours editor; save nothing."""
    if day not in WEEKDAYS:
        abort(404)
    form = PageSettingsForm(obj=current_user.page, language=current_user.language)
    hours = editors.hours_from_form(request.form)
    editors.apply_hours_action(hours, request.form.get("action", ""))
    context = _page_context(form, hours, {})
    return render_htmx(
        "organizer/page_settings.html",
        "organizer/_day_hours.html",
        day=editors.one_day(hours, day),
        **context,
    )


# --- meeting types --------------------------------------------------------------------------


def _own_type(type_id: int) -> MeetingType:
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


NUMBER_FIELDS = (
    "duration_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "max_days_ahead",
    "slot_step_minutes",
    "max_per_day",
)


def _type_form(mt: MeetingType | None) -> MeetingTypeForm:
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


def _type_editors(mt: MeetingType | None) -> tuple[editors.HoursState, list[dict]]:
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


def _type_data(
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


def _type_errors(form: MeetingTypeForm, found: dict, problems: dict) -> dict:
    """Put each message beside its field; the editors' own messages win for their parts."""
    errors: dict = {"other": [], **problems}
    for name, message in found.items():
        if name == "hours":
            if not errors.get("days"):
                errors["hours"] = message
        elif name == "overrides":
            errors.setdefault("overrides", message)
        elif not _add_error(form, name, message):
            errors["other"].append(f"{name}: {message}")
    return errors


def _type_context(
    mt: MeetingType | None,
    form: MeetingTypeForm,
    hours: editors.HoursState,
    rows: list[dict],
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
        data, problems = _type_data(form, hours, rows, editing=mt is not None)
        if not problems:
            shown = preview.build(page, data, now=now(), type_id=mt.id if mt else None)
    return {
        "form": form,
        "mt": mt,
        "page": page,
        "days": editors.editor_days(hours, errors.get("days")),
        "hours_error": errors.get("hours"),
        "overrides": rows,
        "overrides_error": errors.get("overrides"),
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
    form = _type_form(mt)
    hours, rows = _type_editors(mt)
    action = _action()
    if request.method == "GET" or action == "preview":
        return render_template(
            "organizer/meeting_type_edit.html", **_type_context(mt, form, hours, rows)
        )
    if editors.apply_hours_action(hours, action) or editors.apply_overrides_action(rows, action):
        return render_template(
            "organizer/meeting_type_edit.html", **_type_context(mt, form, hours, rows)
        )

    errors: dict = {}
    if form.validate():
        data, problems = _type_data(form, hours, rows, editing=mt is not None)
        try:
            found: dict = {}
            try:
                meeting_types.clean(data, partial=mt is not None)
            except ValidationFailed as exc:
                found = exc.errors
            if found or problems:
                raise ValidationFailed(found)
            saved = (
                meeting_types.update(mt, data)
                if mt
                else meeting_types.create(current_user.page, data)
            )
        except ValidationFailed as exc:
            errors = _type_errors(form, exc.errors, problems)
        except Conflict as exc:
            if not _add_error(form, exc.field, exc.message):
                errors = {"other": [exc.message]}
        else:
            db.session.commit()
            flash(_("“%(title)s” is saved.", title=saved.title), "success")
            return redirect(url_for(".meeting_types"), 303)
        db.session.rollback()
    return render_template(
        "organizer/meeting_type_edit.html",
        **_type_context(mt, form, hours, rows, errors=errors or {"other": []}),
    ), 422


@bp.route("/types/new", methods=["GET", "POST"])
def meeting_type_new():
    """Add a meeting type."""
    return _type_page(None)


@bp.route("/types/<int:type_id>/edit", methods=["GET", "POST"])
def meeting_type_edit(type_id: int):
    """Change a meeting type."""
    return _type_page(_own_type(type_id))


def _type_fragment(type_id: int | None, partial: str, *, day: str | None = None):
    """Re-render part of the meeting type form from the request, saving nothing.

    htmx gets the fragment; a request without it gets the whole form, with the same change.
    """
    mt = _own_type(type_id) if type_id is not None else None
    form = _type_form(mt)
    hours, rows = _type_editors(mt)
    action = request.form.get("action", "")
    extra = {}
    if partial == "organizer/_day_hours.html":
        editors.apply_hours_action(hours, action)
        extra["day"] = editors.one_day(hours, day)
    elif partial == "organizer/_overrides.html":
        editors.apply_overrides_action(rows, action)
    with_preview = partial == "organizer/_preview.html" or not is_htmx()
    context = _type_context(mt, form, hours, rows, with_preview=with_preview)
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


@bp.post("/types/preview", defaults={"type_id": None})
@bp.post("/types/<int:type_id>/preview")
def meeting_type_preview(type_id: int | None):
    """Show the next free times the unsaved values would offer; save nothing."""
    return _type_fragment(type_id, "organizer/_preview.html")


@bp.post("/types/<int:type_id>/duplicate")
def meeting_type_duplicate(type_id: int):
    """Copy a meeting type with every setting under a new link name."""
    mt = _own_type(type_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    copy = meeting_types.duplicate(mt)
    db.session.commit()
    flash(_("Copied as “%(title)s” (%(slug)s).", title=copy.title, slug=copy.slug), "success")
    return redirect(url_for(".meeting_types"), 303)


@bp.post("/types/<int:type_id>/delete")
def meeting_type_delete(type_id: int):
    """Delete a meeting type that has no bookings."""
    mt = _own_type(type_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    title = mt.title
    try:
        meeting_types.delete(mt)
    except Conflict as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("“%(title)s” is deleted.", title=title), "success")
    return redirect(url_for(".meeting_types"), 303)


# --- busy blocks ----------------------------------------------------------------------------


@bp.route("/busy", methods=["GET", "POST"])
def busy_blocks():
    """List the upcoming busy blocks and add one, in the page's time zone."""
    page = current_user.page
    tz = ZoneInfo(page.timezone)
    form = BusyBlockForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            start = datetime.combine(form.start_date.data, form.start_time.data, tz)
            end_day = form.end_date.data or form.start_date.data
            if form.end_date.data is None and form.end_time.data == datetime.min.time():
                end_day += timedelta(days=1)  # 00:00 on the same day: midnight at its end
            end = datetime.combine(end_day, form.end_time.data, tz)
            data = {"start": start.isoformat(), "end": end.isoformat(), "title": form.title.data}
            try:
                busy.create_block(current_user, data)
            except ValidationFailed as exc:
                fields = {"start": "start_time", "end": "end_time"}
                for name, message in exc.errors.items():
                    _add_error(form, fields.get(name, name), message)
                db.session.rollback()
            else:
                db.session.commit()
                flash(_("The busy time is added."), "success")
                return redirect(url_for(".busy_blocks"), 303)
    current = now()
    blocks = [
        (block, block.start.astimezone(tz), block.end.astimezone(tz))
        for block in busy.list_blocks(current_user)
        if block.end > current
    ]
    return render_template(
        "organizer/busy_blocks.html", form=form, page=page, blocks=blocks
    ), status


@bp.post("/busy/<int:block_id>/delete")
def busy_block_delete(block_id: int):
    """Delete one of the organizer's busy blocks."""
    block = db.session.scalar(
        select(BusyBlock).where(BusyBlock.id == block_id, BusyBlock.user_id == current_user.id)
    )
    if block is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(block)
    db.session.commit()
    flash(_("The busy time is deleted."), "success")
    return redirect(url_for(".busy_blocks"), 303)


# --- bookings -------------------------------------------------------------------------------

BOOKING_LISTS = ("upcoming", "past", "cancelled")
BOOKINGS_PER_PAGE = 50
DASHBOARD_BOOKINGS = 5


def _bookings_filter(show: str, current: datetime) -> list:
    """Return the conditions that pick one list: upcoming, past or cancelled."""
    conditions = [Booking.user_id == current_user.id]
    if show == "cancelled":
        return [*conditions, Booking.status == "cancelled"]
    conditions.append(Booking.status == "confirmed")
    if show == "past":
        return [*conditions, Booking.start < current]
    return [*conditions, Booking.start >= current]


def _bookings_query(show: str, current: datetime):
    """Select one list of the organizer's bookings: upcoming soonest first, the others latest."""
    if show == "upcoming":
        order = (Booking.start, Booking.id)
    else:
        order = (Booking.start.desc(), Booking.id.desc())
    return (
        select(Booking)
        .where(*_bookings_filter(show, current))
        .options(selectinload(Booking.meeting_type))
        .order_by(*order)
    )


def _booking_row(booking: Booking, tz: ZoneInfo) -> dict:
    """Give a booking with its start and end in the organizer's zone."""
    return {
        "booking": booking,
        "start": booking.start.astimezone(tz),
        "end": booking.end.astimezone(tz),
    }


def _booking_list(booking: Booking, current: datetime) -> str:
    """Name the list a booking is shown in."""
    if booking.status == "cancelled":
        return "cancelled"
    return "upcoming" if booking.start >= current else "past"


def _own_booking(booking_id: int) -> Booking:
    """Return the signed-in organizer's booking, 404 for anyone else's."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.user_id != current_user.id:
        abort(404)
    return booking


@bp.get("/bookings", endpoint="bookings")
def bookings_list():
    """List the upcoming, past or cancelled bookings, a page at a time."""
    show = request.args.get("show", "upcoming")
    if show not in BOOKING_LISTS:
        show = "upcoming"
    number = max(request.args.get("page", 1, type=int), 1)
    current = now()
    tz = ZoneInfo(current_user.page.timezone)
    found = db.paginate(
        _bookings_query(show, current),
        page=number,
        per_page=BOOKINGS_PER_PAGE,
        error_out=False,
        count=True,
    )
    counts = {
        name: db.session.scalar(
            select(func.count(Booking.id)).where(*_bookings_filter(name, current))
        )
        for name in BOOKING_LISTS
    }
    return render_template(
        "organizer/bookings.html",
        page=current_user.page,
        show=show,
        counts=counts,
        rows=[_booking_row(booking, tz) for booking in found.items],
        pagination=found,
    )


def _booking_page(booking: Booking, form: CancelBookingForm, *, closed: str | None = None):
    """Render the details of one booking, with the cancel form while it can be cancelled."""
    page = booking.meeting_type.page
    tz = ZoneInfo(page.timezone)
    attendee_tz = ZoneInfo(booking.attendee_timezone)
    current = now()
    return render_template(
        "organizer/booking.html",
        booking=booking,
        mt=booking.meeting_type,
        page=page,
        tz=tz,
        attendee_tz=attendee_tz,
        start=booking.start.astimezone(tz),
        end=booking.end.astimezone(tz),
        attendee_start=booking.start.astimezone(attendee_tz),
        attendee_end=booking.end.astimezone(attendee_tz),
        created=booking.created_at.astimezone(tz),
        cancelled=booking.cancelled_at.astimezone(tz) if booking.cancelled_at else None,
        location=bookings.location_text(booking.meeting_type),
        cancellable=booking.status == "confirmed" and booking.start > current,
        back=_booking_list(booking, current),
        form=form,
        closed=closed,
    )


@bp.get("/bookings/<int:booking_id>", endpoint="booking")
def booking_detail(booking_id: int):
    """Show every detail of one booking."""
    return _booking_page(_own_booking(booking_id), CancelBookingForm())


@bp.post("/bookings/<int:booking_id>/cancel")
def booking_cancel(booking_id: int):
    """Cancel one booking with a reason; the attendee is told by email."""
    booking = _own_booking(booking_id)
    form = CancelBookingForm()
    if not form.validate_on_submit():
        return _booking_page(booking, form), 422
    try:
        bookings.cancel(booking, reason=form.reason.data or "", now=now(), by="organizer")
        db.session.commit()
    except BookingClosed as exc:
        db.session.rollback()
        message = (
            _("This booking is already cancelled, so it can't be cancelled again.")
            if exc.reason == "cancelled"
            else _("This meeting has already taken place, so it can't be cancelled.")
        )
        return _booking_page(booking, form, closed=message), 410
    flash(
        _("The booking is cancelled. %(name)s has been told by email.", name=booking.attendee_name),
        "success",
    )
    return redirect(url_for(".booking", booking_id=booking.id), 303)
