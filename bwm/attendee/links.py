"""Private links for attendees: /p/<token> shows one meeting type alone, with the same picker
and booking form as a public type."""

from datetime import datetime, timedelta

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from ..domain.errors import SlotTaken, ValidationFailed
from ..domain.tokens import TokenError
from ..domain.zones import get_zone
from ..extensions import db, limiter
from ..htmx import render_htmx
from ..models import PrivateLink
from ..services import bookings, links
from ..web import now
from . import bp
from .forms import BookingForm
from .views import _parse_start, _picker_context, _still_free


def _open_or_error(token: str) -> PrivateLink:
    """Return the usable link of a token; 404 or 410 pages otherwise (see errors.py)."""
    try:
        return links.open_link(token, now=now())
    except links.LinkUnavailable:
        abort(404, description=_("This booking page does not exist or is not available."))


def _context(link: PrivateLink, token: str, args: dict | None = None) -> dict:
    context = _picker_context(
        link.meeting_type, "attendee.link", {"token": token}, "attendee.link_book", args
    )
    return {**context, "token": token}


@bp.get("/p/<token>")
def link(token: str):
    """Show the meeting type of a private link with its slot picker (the picker alone for htmx)."""
    found = _open_or_error(token)
    return render_htmx("attendee/link.html", "attendee/_picker.html", **_context(found, token))


def _taken_page(found: PrivateLink, token: str, start: datetime | None, tz_key: str):
    """Answer 409 with the fresh times of the day that was asked for."""
    mt = found.meeting_type
    args = {"tz": tz_key}
    if start is not None:
        local = start.astimezone(get_zone(tz_key) or get_zone(mt.page.timezone))
        args.update(month=local.strftime("%Y-%m"), date=local.date().isoformat())
    return make_response(
        render_template(
            "attendee/link.html",
            taken=_("Sorry, that time was just taken. Please pick another one."),
            **_context(found, token, args),
        ),
        409,
    )


def _form_page(found: PrivateLink, token: str, form: BookingForm, start: datetime, status=200):
    mt = found.meeting_type
    tz = get_zone(form.timezone.data) or get_zone(mt.page.timezone)
    local = start.astimezone(tz)
    return (
        render_template(
            "attendee/link_book.html",
            page=mt.page,
            mt=mt,
            form=form,
            token=token,
            start=local,
            end=(start + timedelta(minutes=mt.duration_minutes)).astimezone(tz),
            organizer_start=start.astimezone(get_zone(mt.page.timezone)),
            tz=tz,
            back=url_for(
                "attendee.link",
                token=token,
                tz=tz.key,
                month=local.strftime("%Y-%m"),
                date=local.date().isoformat(),
            ),
        ),
        status,
    )


@bp.route("/p/<token>/book", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_BOOKING"], methods=["POST"])
def link_book(token: str):
    """Ask for name, email and note for the chosen time, then book it through the link."""
    found = _open_or_error(token)
    mt = found.meeting_type
    form = BookingForm()
    if request.method == "GET":
        form.start.data = request.args.get("start")
        form.timezone.data = request.args.get("tz") or mt.page.timezone
    start = _parse_start(form.start.data)
    tz_key = form.timezone.data if get_zone(form.timezone.data) else mt.page.timezone
    if start is None:
        return redirect(url_for("attendee.link", token=token))
    if request.method == "GET":
        if not _still_free(mt, start):
            return _taken_page(found, token, start, tz_key)
        return _form_page(found, token, form, start)
    if not form.validate():
        return _form_page(found, token, form, start, 422)
    data = {
        "start": start.isoformat(),
        "name": form.name.data,
        "email": form.email.data,
        "note": form.note.data or "",
        "timezone": tz_key,
    }
    try:
        booking = bookings.book(mt, data, now=now(), language=str(get_locale() or "en"), link=found)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        for field, message in exc.errors.items():
            getattr(form, field, form.name).errors.append(message)
        return _form_page(found, token, form, start, 422)
    except SlotTaken:
        db.session.rollback()
        return _taken_page(found, token, start, tz_key)
    except TokenError:
        db.session.rollback()  # used, expired or revoked meanwhile: the 410 page
        raise
    bookings.deliver_now(now())
    return redirect(url_for("attendee.manage", token=bookings.manage_token(booking)), 303)
