"""Connected calendars under /me/calendars, and the bookings feed at /feeds/<secret>.ics."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField

from ..core.urls import external_url
from ..domain.errors import Conflict, ValidationFailed
from ..extensions import db
from ..services import calendars
from ..web import errors_beside, now, problems_of
from .blueprint import bp
from .forms import EmptyForm

# The feed is fetched by calendar programs, with no session: outside /me and its login, in a
# blueprint of its own (create_app registers it beside the organizer blueprint).
feed_bp = Blueprint("feeds", __name__)


class IcsCalendarForm(FlaskForm):
    url = StringField(_l("Feed address (ICS)"))


class CalDavCalendarForm(FlaskForm):
    url = StringField(_l("Calendar address (CalDAV)"))
    username = StringField(_l("User name"))
    password = PasswordField(_l("Password"))
    write_bookings = BooleanField(_l("Write bookings into this calendar"))


def _rows(tz: ZoneInfo) -> list[dict]:
    found = calendars.list_calendars(current_user.id)
    backlog = calendars.write_back_backlog([c.id for c in found])
    return [
        {
            "cal": cal,
            "last_synced": cal.last_synced_at.astimezone(tz) if cal.last_synced_at else None,
            "last_attempt": cal.last_attempt_at.astimezone(tz) if cal.last_attempt_at else None,
            "waiting": backlog.get(cal.id, (0, ""))[0],
            "write_error": backlog.get(cal.id, (0, ""))[1],
        }
        for cal in found
    ]


def _page(ics_form: IcsCalendarForm, caldav_form: CalDavCalendarForm, status: int = 200):
    page = current_user.page
    feed = calendars.feed_of(current_user.id)
    feed_url = external_url("feeds.bookings_feed", secret=feed.secret) if feed else None
    return render_template(
        "organizer/calendars.html",
        page=page,
        rows=_rows(ZoneInfo(page.timezone)),
        ics_form=ics_form,
        caldav_form=caldav_form,
        feed_url=feed_url,
        sync_minutes=int(calendars.sync_every().total_seconds() // 60),
    ), status


def _forms() -> tuple[IcsCalendarForm, CalDavCalendarForm]:
    return IcsCalendarForm(prefix="ics"), CalDavCalendarForm(prefix="caldav")


@bp.get("/calendars")
def calendars_page():
    """List the connected calendars with their status, the forms to add one, and the feed."""
    return _page(*_forms())


def _add(form: FlaskForm, data: dict):
    ics_form, caldav_form = _forms()
    if isinstance(form, IcsCalendarForm):
        ics_form = form  # shown again with its errors; the other form empty
    else:
        caldav_form = form
    if not form.validate():
        return _page(ics_form, caldav_form, 422)
    try:
        calendars.create_calendar(current_user, data, now=now())
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        errors_beside(form, problems_of(exc), fallback=form.url)
        return _page(ics_form, caldav_form, 422)
    db.session.commit()
    flash(_("The calendar is connected. Its busy time is read within a few minutes."), "success")
    return redirect(url_for(".calendars_page"), 303)


@bp.post("/calendars/ics")
def calendar_add_ics():
    """Connect an ICS feed by its address."""
    form = IcsCalendarForm(prefix="ics")
    return _add(form, {"kind": "ics", "url": form.url.data or ""})


@bp.post("/calendars/caldav")
def calendar_add_caldav():
    """Connect a CalDAV calendar with its address, user name and password."""
    form = CalDavCalendarForm(prefix="caldav")
    data = {
        "kind": "caldav",
        "url": form.url.data or "",
        "username": form.username.data or "",
        "password": form.password.data or "",
        "write_bookings": bool(form.write_bookings.data),
    }
    return _add(form, data)


def _own_or_404(calendar_id: int):
    cal = calendars.own_calendar(calendar_id, current_user.id)
    if cal is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return cal


@bp.post("/calendars/<int:calendar_id>/sync")
def calendar_sync(calendar_id: int):
    """Read one calendar now and say how it went."""
    calendar_id = _own_or_404(calendar_id).id
    if not calendars.sync_now(calendar_id, now()):
        flash(_("This calendar is being read right now. Look again in a moment."), "info")
        return redirect(url_for(".calendars_page"), 303)
    cal = calendars.own_calendar(calendar_id, current_user.id)
    if cal is not None and cal.status == "ok":
        flash(_("The calendar is read: your free times are up to date."), "success")
    elif cal is not None:
        flash(_("The calendar could not be read: %(error)s", error=cal.error), "error")
    return redirect(url_for(".calendars_page"), 303)


@bp.post("/calendars/<int:calendar_id>/delete")
def calendar_delete(calendar_id: int):
    """Disconnect a calendar; its busy time stops blocking at once."""
    calendars.delete_calendar(_own_or_404(calendar_id))
    db.session.commit()
    flash(_("The calendar is removed."), "success")
    return redirect(url_for(".calendars_page"), 303)


@bp.post("/calendars/feed")
def calendar_feed_new():
    """Make the bookings feed's secret address, or a new one that replaces it."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    replaced = calendars.feed_of(current_user.id) is not None
    calendars.new_feed_secret(current_user.id, now=now())
    db.session.commit()
    if replaced:
        flash(_("Your bookings feed has a new address; the old one no longer works."), "success")
    else:
        flash(_("Your bookings feed is ready: subscribe to it in your calendar."), "success")
    return redirect(url_for(".calendars_page") + "#feed", 303)


@feed_bp.get("/feeds/<secret>.ics")
def bookings_feed(secret: str):
    """Serve an organizer's bookings as a calendar to subscribe to; 404 for a wrong secret."""
    feed = calendars.feed_for_secret(secret)
    if feed is None:
        abort(404)
    response = make_response(calendars.feed_ics(feed, now=now()))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="bookings.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
