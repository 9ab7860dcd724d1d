"""The attendee's view: booking pages, the slot picker, booking, and managing a booking."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import (
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import ValidationError

from ..domain.errors import BookingClosed, SlotTaken
from ..domain.tokens import TokenError
from ..domain.zones import get_zone, zone_names
from ..extensions import db, limiter
from ..htmx import render_htmx
from ..models import Booking, MeetingType, PrivateLink
from ..schemas.bookings import BookingIn, CancelIn
from ..schemas.fields import Instant
from ..services import answers, bookings, pages, picker, policy, slots
from ..web import checked, now
from .blueprint import bp
from .forms import BookingForm, CancelForm, RescheduleForm


def _page_or_404(slug: str):
    page = pages.public_page(slug)
    if page is None:
        abort(404, description=_("This booking page does not exist or is not available."))
    return page


def _type_or_404(slug: str, type_slug: str) -> MeetingType:
    mt = pages.public_type_at(slug, type_slug)
    if mt is None:
        _page_or_404(slug)  # the page's own "not available" when it is the page that is missing
        abort(404, description=_("This meeting type does not exist or is not available."))
    return mt


def _parse_start(value: str | None) -> datetime | None:
    """Read a start from a link or form (a "+" in a query string may arrive as a space)."""
    try:
        return Instant().deserialize((value or "").replace(" ", "+"))
    except ValidationError:
        return None


def _picker_context(
    mt: MeetingType, endpoint: str, values: dict, time_endpoint: str, args: dict | None = None
) -> dict:
    """Build what the picker templates need, for any URL that shows a picker."""
    shown = picker.build(mt, request.args if args is None else args, now=now())

    def picker_link(**args) -> str:
        return url_for(endpoint, **values, **{k: v for k, v in args.items() if v})

    def time_link(t: datetime) -> str:
        return url_for(time_endpoint, **values, start=t.isoformat(), tz=shown.tz.key)

    return {
        "page": mt.page,
        "mt": mt,
        "picker": shown,
        "zones": zone_names(),
        "base_url": url_for(endpoint, **values),
        "picker_link": picker_link,
        "time_link": time_link,
    }


@bp.get("/b/<slug>")
def page(slug: str):
    """Show a booking page with its public meeting types."""
    booking_page = _page_or_404(slug)
    return answers.page(
        booking_page,
        str(get_locale()),
        lambda: render_template(
            "attendee/page.html", page=booking_page, types=pages.public_types(booking_page)
        ),
    )


@bp.get("/b/<slug>/<type_slug>")
def meeting_type(slug: str, type_slug: str):
    """Show one meeting type with its slot picker (the picker alone for htmx)."""
    mt = _type_or_404(slug, type_slug)
    values = {"slug": slug, "type_slug": type_slug}
    context = _picker_context(mt, "attendee.meeting_type", values, "attendee.book")
    return render_htmx("attendee/meeting_type.html", "attendee/_picker.html", **context)


@dataclass
class BookingFlow:
    """Where one booking flow lives: a public type's URLs or a private link's."""

    mt: MeetingType
    picker_endpoint: str
    values: dict  # the URL values of both endpoints: slug and type_slug, or token
    book_endpoint: str
    page_template: str
    link: PrivateLink | None = None

    def picker_context(self, args: dict | None = None) -> dict:
        context = _picker_context(
            self.mt, self.picker_endpoint, self.values, self.book_endpoint, args
        )
        return {**context, **self.values}


def _booking_form_page(flow: BookingFlow, form: BookingForm, start: datetime, status: int = 200):
    mt = flow.mt
    tz = get_zone(form.timezone.data) or get_zone(mt.page.timezone)
    local = start.astimezone(tz)
    return (
        render_template(
            "attendee/book.html",
            flow=flow,
            page=mt.page,
            mt=mt,
            form=form,
            start=local,
            end=(start + timedelta(minutes=mt.duration_minutes)).astimezone(tz),
            organizer_start=start.astimezone(get_zone(mt.page.timezone)),
            tz=tz,
            back=url_for(
                flow.picker_endpoint,
                **flow.values,
                tz=tz.key,
                month=local.strftime("%Y-%m"),
                date=local.date().isoformat(),
            ),
            **flow.values,
        ),
        status,
    )


def _taken_page(flow: BookingFlow, start: datetime | None, tz_key: str):
    """Answer 409 with the fresh times of the day that was asked for."""
    args = {"tz": tz_key}
    if start is not None:
        local = start.astimezone(get_zone(tz_key) or get_zone(flow.mt.page.timezone))
        args.update(month=local.strftime("%Y-%m"), date=local.date().isoformat())
    return make_response(
        render_template(
            flow.page_template,
            taken=_("Sorry, that time was just taken. Please pick another one."),
            **flow.picker_context(args),
        ),
        409,
    )


def run_booking(flow: BookingFlow):
    """Ask for name, email and note for the chosen time (GET), then book it (POST)."""
    mt = flow.mt
    form = BookingForm()
    if request.method == "GET":
        form.start.data = request.args.get("start")
        form.timezone.data = request.args.get("tz") or mt.page.timezone
    start = _parse_start(form.start.data)
    tz_key = form.timezone.data if get_zone(form.timezone.data) else mt.page.timezone
    if start is None:
        return redirect(url_for(flow.picker_endpoint, **flow.values))
    if request.method == "GET":
        if not _still_free(mt, start):
            return _taken_page(flow, start, tz_key)
        return _booking_form_page(flow, form, start)
    values = checked(
        form,
        BookingIn(),
        {
            "start": form.start.data,
            "name": form.name.data,
            "email": form.email.data,
            "note": form.note.data,
            "timezone": tz_key,
        },
    )
    if values is None:
        return _booking_form_page(flow, form, start, 422)
    try:
        booking = bookings.book(
            mt, values, now=now(), language=str(get_locale() or "en"), link=flow.link
        )
        token = bookings.manage_token(booking)  # before the commit expires the row
        db.session.commit()
    except SlotTaken:
        db.session.rollback()
        return _taken_page(flow, start, tz_key)
    except TokenError:
        db.session.rollback()  # the link was used, expired or revoked meanwhile: the 410 page
        raise
    return redirect(url_for("attendee.manage", token=token), 303)


@bp.route("/b/<slug>/<type_slug>/book", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_BOOKING"], methods=["POST"])
def book(slug: str, type_slug: str):
    """Ask for name, email and note for the chosen time, then book it."""
    return run_booking(
        BookingFlow(
            mt=_type_or_404(slug, type_slug),
            picker_endpoint="attendee.meeting_type",
            values={"slug": slug, "type_slug": type_slug},
            book_endpoint="attendee.book",
            page_template="attendee/meeting_type.html",
        )
    )


def _still_free(mt: MeetingType, start: datetime) -> bool:
    return slots.is_free(mt, start, now=now())


# --- managing a booking -----------------------------------------------------------------------


def _booking_or_error(token: str) -> Booking:
    return bookings.booking_for_token(token)  # TokenError -> 404 page (errors.py)


def _manage_context(booking: Booking) -> dict:
    tz = get_zone(booking.attendee_timezone)
    organizer_tz = get_zone(booking.meeting_type.page.timezone)
    current = now()
    return {
        "booking": booking,
        "mt": booking.meeting_type,
        "page": booking.meeting_type.page,
        "organizer": booking.meeting_type.page.user,
        "start": booking.start.astimezone(tz),
        "end": booking.end.astimezone(tz),
        "organizer_start": booking.start.astimezone(organizer_tz),
        "organizer_end": booking.end.astimezone(organizer_tz),
        "tz": tz,
        "organizer_tz": organizer_tz,
        "changeable": booking.status == "confirmed" and booking.start > current,
        "past": booking.start <= current,
        "token": request.view_args["token"],
        "location": bookings.location_text(booking.meeting_type),
        # Turned off by the organization's policy: cancelling still works, moving doesn't.
        "organizer_available": policy.may_publish(booking.meeting_type.page.user),
    }


@bp.get("/m/<token>")
def manage(token: str):
    """Show one booking to its attendee, with reschedule and cancel."""
    booking = _booking_or_error(token)
    return render_template(
        "attendee/manage.html", cancel_form=CancelForm(), **_manage_context(booking)
    )


@bp.get("/m/<token>/invite.ics")
def manage_ics(token: str):
    """Download the booking as an .ics file to add to a calendar."""
    booking = _booking_or_error(token)
    body = bookings.invitation(booking, for_attendee=True, now=now())
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="invite.ics"'
    return response


def _unavailable_page(booking: Booking):
    """Answer 403: the organizer is turned off, so the booking can't move (it can be cancelled)."""
    message = _(
        "The organizer's booking page is not available at the moment, so this booking can't be "
        "moved. You can still cancel it."
    )
    return (
        render_template(
            "attendee/manage.html",
            closed=message,
            cancel_form=CancelForm(),
            **_manage_context(booking),
        ),
        403,
    )


def _closed_page(booking: Booking, reason: str):
    message = (
        _("This booking was cancelled, so it can't be changed.")
        if reason == "cancelled"
        else _("This meeting has already taken place, so it can't be changed.")
    )
    return (
        render_template(
            "attendee/manage.html",
            closed=message,
            cancel_form=CancelForm(),
            **_manage_context(booking),
        ),
        410,
    )


@bp.post("/m/<token>/cancel")
def manage_cancel(token: str):
    """Cancel the booking, with an optional reason."""
    booking = _booking_or_error(token)
    form = CancelForm()
    values = checked(form, CancelIn(), {"reason": form.reason.data})
    if values is None:
        return render_template(
            "attendee/manage.html", cancel_form=form, **_manage_context(booking)
        ), 422
    try:
        bookings.cancel(booking, reason=values["reason"], now=now(), by="attendee")
        db.session.commit()
    except BookingClosed as exc:
        db.session.rollback()
        return _closed_page(booking, exc.reason)
    return redirect(url_for("attendee.manage", token=token), 303)


@bp.get("/m/<token>/reschedule")
def manage_reschedule(token: str):
    """Show the picker for a new time of the booking."""
    booking = _booking_or_error(token)
    if booking.status != "confirmed" or booking.start <= now():
        return _closed_page(booking, "cancelled" if booking.status != "confirmed" else "past")
    if not policy.may_publish(booking.meeting_type.page.user):
        return _unavailable_page(booking)
    context = _picker_context(
        booking.meeting_type,
        "attendee.manage_reschedule",
        {"token": token},
        "attendee.manage_reschedule_confirm",
    )
    return render_htmx(
        "attendee/reschedule.html",
        "attendee/_picker.html",
        booking=booking,
        token=token,
        **context,
    )


@bp.route("/m/<token>/reschedule/confirm", methods=["GET", "POST"])
def manage_reschedule_confirm(token: str):
    """Confirm the new time (GET shows it; POST moves the booking)."""
    booking = _booking_or_error(token)
    if not policy.may_publish(booking.meeting_type.page.user):
        return _unavailable_page(booking)
    form = RescheduleForm()
    if request.method == "GET":
        form.start.data = request.args.get("start")
    start = _parse_start(form.start.data)
    if start is None:
        return redirect(url_for("attendee.manage_reschedule", token=token))
    tz = get_zone(request.args.get("tz") or booking.attendee_timezone) or get_zone(
        booking.attendee_timezone
    )
    if request.method == "GET":
        return render_template(
            "attendee/reschedule_confirm.html",
            form=form,
            new_start=start.astimezone(tz),
            new_tz=tz,
            **_manage_context(booking),
        )
    try:
        bookings.reschedule(booking, start, now=now())
        db.session.commit()
    except BookingClosed as exc:
        db.session.rollback()
        return _closed_page(booking, exc.reason)
    except SlotTaken:
        db.session.rollback()
        local = start.astimezone(tz)
        return redirect(
            url_for(
                "attendee.manage_reschedule",
                token=token,
                tz=tz.key,
                month=local.strftime("%Y-%m"),
                date=local.date().isoformat(),
                taken=1,
            ),
            303,
        )
    return redirect(url_for("attendee.manage", token=token), 303)
