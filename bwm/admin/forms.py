"""Forms of the admin view. The services check the values; the forms only parse them."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired

from ..domain.policy import DETAILS, USER_POLICIES
from ..organizer.forms import choices
from ..schemas import html_attributes
from ..schemas.accounts import OrganizerIn, PasswordIn
from ..schemas.privacy import PrivacySettingsIn
from ..services.policy import DETAIL_LABELS, POLICY_LABELS


class OrgSettingsForm(FlaskForm):
    bookings_enabled = BooleanField(_l("Bookings with me is on for the organization"))
    user_policy = RadioField(
        _l("Who may publish booking pages"),
        choices=choices((mode, POLICY_LABELS[mode]) for mode in USER_POLICIES),
    )
    external_sharing = BooleanField(_l("Calendars may be shared with people outside"))
    anonymous_sharing = BooleanField(
        _l("Anonymous access (people who are not signed in may see free/busy times)")
    )
    max_detail = RadioField(
        _l("The most a shared calendar may show"),
        choices=choices((level, DETAIL_LABELS[level]) for level in DETAILS),
    )

    def changes(self) -> dict:
        """Return the settings as the policy service names them."""
        return {
            "bookings_enabled": bool(self.bookings_enabled.data),
            "user_policy": self.user_policy.data,
            "external_sharing": bool(self.external_sharing.data),
            "anonymous_sharing": bool(self.anonymous_sharing.data),
            "max_detail": self.max_detail.data,
        }


class NewUserForm(FlaskForm):
    name = StringField(
        _l("Name"), validators=[DataRequired()], render_kw=html_attributes(OrganizerIn, "name")
    )
    email = EmailField(
        _l("Email"), validators=[DataRequired()], render_kw=html_attributes(OrganizerIn, "email")
    )
    # Left empty, the person is invited to choose one; given, the schema checks it.
    password = PasswordField(
        _l("Password"), render_kw={**html_attributes(PasswordIn, "password"), "required": False}
    )
    invite = BooleanField(_l("Invite by email: they choose their own password"))
    admin = BooleanField(_l("Administrator"))


class UserSettingForm(FlaskForm):
    """One click on a user's row: a setting's new value, "on"/"off" or "yes"/"no"."""

    value = HiddenField()
    confirm = HiddenField()


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        render_kw=html_attributes(PasswordIn, "password"),
    )
    confirm = PasswordField(_l("Repeat the password"), validators=[DataRequired()])


class EmptyForm(FlaskForm):
    """A one-click button: a POST with nothing but its CSRF token."""


class PrivacyForm(FlaskForm):
    retention_days = StringField(
        _l("Erase attendees' data this many days after the meeting"),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    consent_text = TextAreaField(
        _l("Consent the booking forms ask for"),
        render_kw=html_attributes(PrivacySettingsIn, "consent_text"),
    )

    def data_for_service(self) -> dict:
        """Blank retention keeps the data (null); anything else goes to the schema as typed."""
        days = (self.retention_days.data or "").strip()
        return {
            "retention_days": None if days == "" else (int(days) if days.isdigit() else days),
            "consent_text": self.consent_text.data or "",
        }


class AttendeeLookupForm(FlaskForm):
    class Meta:
        csrf = False  # a lookup changes nothing (GET)

    email = StringField(_l("Attendee's email"), render_kw={"autocomplete": "off", "type": "email"})
