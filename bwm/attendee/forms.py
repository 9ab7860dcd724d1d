"""The attendee's forms: fields and labels only; their values are checked by the API's schemas
(bwm/schemas/bookings.py) through web.checked, so the page and the API say the same."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField

from ..bots import HoneypotMixin
from ..embedding import AttendeeForm
from ..schemas import html_attributes
from ..schemas.bookings import BookingIn, CancelIn, DeclineIn


class BookingForm(HoneypotMixin, AttendeeForm):
    start = HiddenField()
    timezone = HiddenField()
    duration_minutes = HiddenField()
    name = StringField(_l("Name"), render_kw=html_attributes(BookingIn, "name"))
    email = EmailField(_l("Email"), render_kw=html_attributes(BookingIn, "email"))
    note = TextAreaField(_l("Note"), render_kw=html_attributes(BookingIn, "note"))
    # SPEC §11: shown (labelled with the organization's text) only when consent is asked for.
    consent = BooleanField()


class CancelForm(HoneypotMixin, AttendeeForm):
    reason = TextAreaField(_l("Reason (optional)"), render_kw=html_attributes(CancelIn, "reason"))


class RescheduleForm(HoneypotMixin, AttendeeForm):
    start = HiddenField()


class DecisionForm(HoneypotMixin, FlaskForm):
    """The organizer's answer to a request, from the link in their email."""

    reason = TextAreaField(_l("Reason (optional)"), render_kw=html_attributes(DeclineIn, "reason"))


class VerifyForm(HoneypotMixin, FlaskForm):
    """The attendee's confirmation of their email address, from the link in their email."""
