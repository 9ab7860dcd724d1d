"""Booking a chosen time: the form, its checks, and the "taken" page (/b/<page>/<type>/book;
private links run the same flow)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import (
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from ..domain.availability import durations_of
from ..domain.errors import SlotTaken, ValidationFailed
from ..domain.questions import check_answers, check_consent
from ..domain.tokens import TokenError
from ..domain.zones import get_zone
from ..embedding import embedding, form_token_required
from ..extensions import db, limiter
from ..models import MeetingType, PrivateLink
from ..pickers import parse_start, picker_context
from ..schemas.bookings import BookingIn
from ..services import bookings, bot_checks, policy, slots
from ..web import checked, now, translated
from .blueprint import bp
from .forms import BookingForm
from .pages import type_or_404


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
        context = picker_context(
            self.mt, self.picker_endpoint, self.values, self.book_endpoint, args
        )
        return {**context, **self.values}


@dataclass
class Asked:
    """One booking question on the form: its field's name, what was given, what is wrong."""

    question: dict
    value: object
    error: str | None = None

    @property
    def name(self) -> str:
        return f"answer-{self.question['id']}"


def _given(question: dict) -> object:
    """What the browser sent for a question (a list for several of a list)."""
    name = f"answer-{question['id']}"
    if question["kind"] == "multiselect":
        return request.form.getlist(name)
    return request.form.get(name, "")


def _asked(mt: MeetingType, errors: dict | None = None) -> list[Asked]:
    posted = request.method == "POST"
    errors = errors or {}
    return [
        Asked(
            question=q,
            value=_given(q) if posted else ([] if q["kind"] == "multiselect" else ""),
            error=translated(errors[f"answers.{q['id']}"])
            if f"answers.{q['id']}" in errors
            else None,
        )
        for q in mt.questions or ()
    ]


def _length(mt: MeetingType, form: BookingForm) -> int:
    """The chosen length in minutes (the type's own when none or another is asked for)."""
    value = (form.duration_minutes.data or "").strip()
    if value.isdigit() and int(value) in durations_of(mt.duration_minutes, mt.durations_minutes):
        return int(value)
    return mt.duration_minutes


def _booking_form_page(
    flow: BookingFlow,
    form: BookingForm,
    start: datetime,
    status: int = 200,
    asked: list[Asked] | None = None,
    bot_error: str | None = None,
):
    mt = flow.mt
    consent_text = policy.privacy().consent_text
    form.consent.label.text = consent_text
    tz = get_zone(form.timezone.data) or get_zone(mt.page.timezone)
    local = start.astimezone(tz)
    minutes = _length(mt, form)
    return (
        render_template(
            "attendee/book.html",
            flow=flow,
            page=mt.page,
            mt=mt,
            form=form,
            asked=asked if asked is not None else _asked(mt),
            consent_text=consent_text,
            bot_check=bot_checks.enabled(),
            bot_error=bot_error,
            minutes=minutes,
            start=local,
            end=(start + timedelta(minutes=minutes)).astimezone(tz),
            organizer_start=start.astimezone(get_zone(mt.page.timezone)),
            tz=tz,
            back=url_for(
                flow.picker_endpoint,
                **flow.values,
                **_length_arg(mt, minutes),
                tz=tz.key,
                month=local.strftime("%Y-%m"),
                date=local.date().isoformat(),
            ),
            **flow.values,
        ),
        status,
    )


def _length_arg(mt: MeetingType, minutes: int) -> dict:
    """The picker's duration=M, for a type that offers several lengths (else nothing)."""
    several = len(durations_of(mt.duration_minutes, mt.durations_minutes)) > 1
    return {"duration": str(minutes)} if several else {}


def _taken_page(flow: BookingFlow, start: datetime | None, tz_key: str, minutes: int):
    """Answer 409 with the fresh times of the day that was asked for, of the length asked."""
    args = {"tz": tz_key, **_length_arg(flow.mt, minutes)}
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
        form.duration_minutes.data = request.args.get("duration") or ""
        if flow.link is not None:  # a link for one person opens with their name and email
            form.name.data = flow.link.name or None
            form.email.data = flow.link.email or None
    start = parse_start(form.start.data)
    tz_key = form.timezone.data if get_zone(form.timezone.data) else mt.page.timezone
    if start is None:
        return redirect(url_for(flow.picker_endpoint, **flow.values))
    if request.method == "GET":
        if not _still_free(mt, start, _length(mt, form)):
            return _taken_page(flow, start, tz_key, _length(mt, form))
        return _booking_form_page(flow, form, start)
    answers = {q["id"]: _given(q) for q in mt.questions or ()}
    values = checked(
        form,
        BookingIn(),
        {
            "start": form.start.data,
            "name": form.name.data,
            "email": form.email.data,
            "note": form.note.data,
            "timezone": tz_key,
            "duration_minutes": str(_length(mt, form)),
            "answers": answers,
            "consent": "y" if form.consent.data else "",
            "altcha": request.form.get(bot_checks.FIELD, ""),
        },
    )
    try:  # the answers are checked with the other fields, so every message shows at once
        check_answers(mt.questions or (), answers)
        problems = {}
    except ValidationFailed as exc:
        problems = exc.errors
    try:
        check_consent(policy.privacy().consent_text, bool(form.consent.data))
    except ValidationFailed as exc:
        form.consent.errors = [translated(exc.errors["consent"])]
        problems = {**problems, **exc.errors}
    bot_error = None
    if values is not None and bot_checks.enabled():
        try:  # said beside the rest; spent only by the booking itself
            bot_checks.check(values["altcha"], now())
        except ValidationFailed as exc:
            bot_error = translated(exc.errors[bot_checks.FIELD])
    if values is None or problems or bot_error:
        return _booking_form_page(flow, form, start, 422, _asked(mt, problems), bot_error)
    try:
        booking = bookings.book(
            mt, values, now=now(), language=str(get_locale() or "en"), link=flow.link
        )
        token = bookings.manage_token(booking)  # before the commit expires the row
        db.session.commit()
    except ValidationFailed as exc:  # the challenge was spent meanwhile (a second tab, a bot)
        db.session.rollback()
        message = translated(exc.errors.get(bot_checks.FIELD) or next(iter(exc.errors.values())))
        return _booking_form_page(flow, form, start, 422, _asked(mt), message)
    except SlotTaken:
        db.session.rollback()
        return _taken_page(flow, start, tz_key, _length(mt, form))
    except TokenError:
        db.session.rollback()  # the link was used, expired or revoked meanwhile: the 410 page
        raise
    # In a frame, the confirmation tells the host page of the booking (embed-frame.js).
    booked = {"booked": 1} if embedding() else {}
    return redirect(url_for("attendee.manage", token=token, **booked), 303)


@bp.route("/b/<slug>/<type_slug>/book", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_BOOKING"], methods=["POST"])
@form_token_required(BookingForm)
def book(slug: str, type_slug: str):
    """Ask for name, email and note for the chosen time, then book it."""
    return run_booking(
        BookingFlow(
            mt=type_or_404(slug, type_slug),
            picker_endpoint="attendee.meeting_type",
            values={"slug": slug, "type_slug": type_slug},
            book_endpoint="attendee.book",
            page_template="attendee/meeting_type.html",
        )
    )


def _still_free(mt: MeetingType, start: datetime, minutes: int | None = None) -> bool:
    return slots.is_free(mt, start, now=now(), duration=minutes)
