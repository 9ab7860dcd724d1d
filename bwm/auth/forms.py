from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from ..bots import HoneypotMixin
from ..schemas import html_attributes
from ..schemas.accounts import MIN_PASSWORD_LENGTH, PasswordIn


class LoginForm(HoneypotMixin, FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=500)])
    remember = BooleanField(_l("Keep me signed in"))


class ForgotPasswordForm(HoneypotMixin, FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(HoneypotMixin, FlaskForm):
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],
        render_kw=html_attributes(PasswordIn, "password"),
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"), validators=[DataRequired(), Length(max=500)]
    )


class EmptyForm(FlaskForm):
    """A one-click button: a POST with nothing but its CSRF token."""


# Messages beside fields, in the reader's language; the account page (organizer/account.py)
# shows the same ones.


def invalid_email_message() -> str:
    return _("Enter a whole email address, like name@example.com.")


def short_password_message() -> str:
    return _("Use at least %(num)s characters.", num=MIN_PASSWORD_LENGTH)


def passwords_differ_message() -> str:
    return _("The two passwords are not the same.")
