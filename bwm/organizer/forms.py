"""Forms of the organizer's view. Fields are named like the API's keys so errors map one to one.

The forms only parse what the browser sends; the services check the values (the same checks the
API runs), so an organizer sees the same messages whichever way they edit.
"""

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    Form,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from ..domain.zones import zone_names
from ..schemas import html_attributes
from ..schemas.accounts import OrganizerIn, PasswordIn, ProfileIn
from ..schemas.meeting_types import MeetingTypeIn
from ..schemas.pages import BANNERS
from ..web import language_choices

try:
    from wtforms import SelectChoice
except ImportError:  # WTForms before 3.3 takes (value, label) pairs

    def SelectChoice(value, label):  # noqa: N802 - stands in for the class
        return (value, label)


# Common reminder times, in minutes before the meeting (SPEC §3: 15 minutes to 2 weeks).
REMINDERS = (
    (15, _l("15 minutes before")),
    (30, _l("30 minutes before")),
    (60, _l("1 hour before")),
    (120, _l("2 hours before")),
    (1440, _l("1 day before")),
    (2880, _l("2 days before")),
    (10080, _l("1 week before")),
    (20160, _l("2 weeks before")),
)


def choices(pairs) -> list:
    """Turn (value, label) pairs into select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def add_error(form: Form, name: str, message: str) -> bool:
    """Show message beside the form's field of that name; tell whether there is one."""
    field = getattr(form, name, None)
    if field is None or not hasattr(field, "errors"):
        return False
    field.errors = [*field.errors, message]
    return True


def submitted_action() -> str:
    """Name the button a POST was sent with (an editor's Add or Remove; else save)."""
    return request.form.get("action", "save") if request.method == "POST" else ""


def _number(name: str) -> dict:
    """A whole-number field of a meeting type: its bounds are the API schema's."""
    return {"widget": NumberInput(step=1), "render_kw": html_attributes(MeetingTypeIn, name)}


class EmptyForm(FlaskForm):
    """A form with nothing but its CSRF token, for one-click POST buttons."""


BANNER_LABELS = {
    "dawn": _l("Dawn"),
    "waves": _l("Waves"),
    "meadow": _l("Meadow"),
    "dusk": _l("Dusk"),
}


class PageSettingsForm(FlaskForm):
    slug = StringField(_l("Page address"))
    display_name = StringField(_l("Display name"))
    welcome = TextAreaField(_l("Welcome text"))
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    published = BooleanField(_l("Published: people with the link can book"))
    # SPEC §12: checked by PageIn (a colour as #rrggbb, a built-in banner).
    brand_color = StringField(
        _l("Brand colour"),
        render_kw={"placeholder": "#2f6fdf", "autocomplete": "off", "spellcheck": "false"},
    )
    banner = SelectField(_l("Banner"), validate_choice=False)
    # Uploads: checked and re-encoded by services/images.py (PNG, JPEG, WebP or GIF, 2 MB).
    photo = FileField(
        _l("Photo"), render_kw={"accept": "image/png,image/jpeg,image/webp,image/gif"}
    )
    remove_photo = BooleanField(_l("Remove the photo"))
    banner_upload = FileField(
        _l("Your own banner"), render_kw={"accept": "image/png,image/jpeg,image/webp,image/gif"}
    )
    remove_banner_upload = BooleanField(_l("Remove your own banner"))
    # The services check the codes (an unknown one is a 422 beside its field, nothing saved).
    default_language = SelectField(_l("Default language of the page"), validate_choice=False)
    language = SelectField(_l("Your language"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = list(zone_names())
        self.banner.choices = [("", _l("None")), *((name, BANNER_LABELS[name]) for name in BANNERS)]
        languages = choices(language_choices())
        self.default_language.choices = languages
        self.language.choices = list(languages)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, each with its own label."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MeetingTypeForm(FlaskForm):
    title = StringField(_l("Title"), render_kw=html_attributes(MeetingTypeIn, "title"))
    slug = StringField(_l("Link name"), render_kw=html_attributes(MeetingTypeIn, "slug"))
    description = TextAreaField(
        _l("Description"), render_kw=html_attributes(MeetingTypeIn, "description")
    )
    duration_minutes = StringField(_l("Duration (minutes)"), **_number("duration_minutes"))
    location_kind = SelectField(
        _l("Location"),
        choices=choices(
            (
                ("none", _l("None")),
                ("in_person", _l("In person")),
                ("phone", _l("Phone")),
                ("online", _l("Online meeting")),
            )
        ),
        validate_choice=False,
        default="none",
    )
    location = StringField(
        _l("Address, phone number or meeting details"),
        render_kw=html_attributes(MeetingTypeIn, "location"),
    )
    online_meeting = BooleanField(_l("Add an online meeting to every booking"))
    availability = RadioField(
        _l("Availability"),
        choices=choices(
            (
                ("page", _l("The booking page's working hours")),
                ("own", _l("Its own weekly hours (below)")),
            )
        ),
        default="page",
    )
    buffer_before_minutes = StringField(
        _l("Buffer before (minutes)"), **_number("buffer_before_minutes")
    )
    buffer_after_minutes = StringField(
        _l("Buffer after (minutes)"), **_number("buffer_after_minutes")
    )
    min_notice_minutes = StringField(
        _l("Minimum notice (minutes)"), **_number("min_notice_minutes")
    )
    max_days_ahead = StringField(_l("How far ahead (days)"), **_number("max_days_ahead"))
    slot_step_minutes = StringField(
        _l("Start times every (minutes)"), **_number("slot_step_minutes")
    )
    max_per_day = StringField(_l("Maximum bookings per day"), **_number("max_per_day"))
    reminders_minutes = MultiCheckboxField(
        _l("Reminders"), coerce=int, choices=choices(REMINDERS), validate_choice=False
    )
    visibility = RadioField(
        _l("Visibility"),
        choices=choices(
            (
                ("public", _l("Public: listed on the booking page")),
                ("private", _l("Private: only through a private link")),
            )
        ),
        default="public",
    )
    # SPEC §9
    durations_minutes = StringField(
        _l("Lengths to choose from (minutes)"),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    requires_confirmation = BooleanField(_l("I approve each booking before it is final"))
    verify_email = BooleanField(_l("Attendees confirm their email address"))
    pending_hours = StringField(
        _l("Decline requests not decided within (hours)"), **_number("pending_hours")
    )
    attendee_change_cutoff_minutes = StringField(
        _l("Attendees may not move or cancel later than (minutes before)"),
        **_number("attendee_change_cutoff_minutes"),
    )
    max_per_week = StringField(_l("Maximum bookings per week"), **_number("max_per_week"))
    max_per_month = StringField(_l("Maximum bookings per month"), **_number("max_per_month"))
    blocking = RadioField(
        _l("Which calendars make you busy for this type"),
        choices=choices(
            (
                ("all", _l("Every connected calendar")),
                ("chosen", _l("Only the calendars ticked below")),
            )
        ),
        default="all",
    )
    blocking_calendars = MultiCheckboxField(
        _l("Calendars"), coerce=int, choices=[], validate_choice=False
    )
    color = StringField(
        _l("Colour"),
        render_kw={"pattern": "#[0-9A-Fa-f]{6}", "placeholder": "#2f6fdf", "maxlength": 7},
    )
    reminder_message = TextAreaField(
        _l("Text added to reminders"), render_kw=html_attributes(MeetingTypeIn, "reminder_message")
    )
    follow_up_minutes = StringField(
        _l("Follow-up email after the end (minutes)"), **_number("follow_up_minutes")
    )
    follow_up_message = TextAreaField(
        _l("Follow-up text"), render_kw=html_attributes(MeetingTypeIn, "follow_up_message")
    )


class BusyBlockForm(FlaskForm):
    start_date = DateField(_l("Date"), validators=[InputRequired()])
    start_time = TimeField(_l("Start time"), validators=[InputRequired()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    end_time = TimeField(_l("End time"), validators=[InputRequired()])
    title = StringField(_l("Title"))


class CancelBookingForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])


# --- the account (/me/account): one form per section, each field named once on the page -----


class AccountProfileForm(FlaskForm):
    name = StringField(
        _l("Your name"), validators=[DataRequired()], render_kw=html_attributes(ProfileIn, "name")
    )
    # The service checks the code (an unknown one is a 422 beside the field, nothing saved).
    language = SelectField(_l("Your language"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = choices(language_choices())


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=500)]
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        render_kw=html_attributes(PasswordIn, "password"),
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"), validators=[DataRequired(), Length(max=500)]
    )


class EmailChangeForm(FlaskForm):
    email = EmailField(
        _l("New email address"),
        validators=[DataRequired()],
        render_kw=html_attributes(OrganizerIn, "email"),
    )
    password = PasswordField(
        _l("Your current password"), validators=[DataRequired(), Length(max=500)]
    )


class ApiTokenForm(FlaskForm):
    token_name = StringField(_l("What is it for? (optional)"), validators=[Length(max=100)])
