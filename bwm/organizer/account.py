"""The organizer's own account under /me/account: name, language, sign-in address, password,
API tokens. One page, a form per section, each posting to its own URL and redirecting back.

The link that confirms a new address is opened from the mailbox, perhaps signed out or on
another device, so it lives in the auth blueprint (/account/email/<token>), not here.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, g, redirect, render_template, session, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user

from ..auth.forms import invalid_email_message, passwords_differ_message, short_password_message
from ..domain.errors import Conflict, ValidationFailed
from ..extensions import db
from ..services import accounts, organizers
from ..web import errors_beside, now
from .blueprint import bp
from .forms import (
    AccountProfileForm,
    ApiTokenForm,
    EmailChangeForm,
    EmptyForm,
    PasswordChangeForm,
)

# Where a token just made waits for the page that shows it once (the redirect after the POST).
NEW_TOKEN_KEY = "new_api_token"


def _account_page(status: int = 200, **forms):
    """Render the account page: the forms given (with their errors), fresh ones for the rest."""
    user = current_user
    page = user.page
    tz = ZoneInfo(page.timezone if page else "UTC")
    current = now()
    pending = accounts.pending_email_change(user, now=current)
    new_token = session.pop(NEW_TOKEN_KEY, None) if status == 200 else None
    tokens = [
        {
            "id": row.id,
            "name": row.name,
            "created": row.created_at.astimezone(tz),
            "last_used": row.last_used_at.astimezone(tz) if row.last_used_at else None,
        }
        for row in organizers.list_api_tokens(user)
    ]
    context = {
        "profile_form": forms.get("profile")
        or AccountProfileForm(name=user.name, language=user.language, formdata=None),
        "email_form": forms.get("email") or EmailChangeForm(formdata=None),
        "password_form": forms.get("password") or PasswordChangeForm(formdata=None),
        "token_form": forms.get("token") or ApiTokenForm(formdata=None),
        "pending": pending,
        "pending_expires": pending.expires_at.astimezone(tz) if pending else None,
        "tokens": tokens,
        "new_token": new_token,
    }
    response = current_app.make_response(
        (render_template("organizer/account.html", **context), status)
    )
    if new_token:
        response.headers["Cache-Control"] = "no-store"  # the secret is on this page only once
    return response


@bp.get("/account")
def account():
    """Show the organizer's name, language, sign-in address, password and API tokens."""
    return _account_page()


@bp.post("/account/profile")
def account_profile():
    """Change the organizer's name and language."""
    form = AccountProfileForm()
    if not form.validate_on_submit():
        return _account_page(422, profile=form)
    before = current_user.language
    data = {"name": form.name.data or "", "language": form.language.data}
    try:
        accounts.update_profile(current_user, data, current_app.config["LANGUAGES"])
    except ValidationFailed as exc:
        db.session.rollback()
        if "language" in exc.errors:
            errors_beside(form, {"language": _("Choose one of the languages in the list.")})
        if "name" in exc.errors:
            errors_beside(form, {"name": exc.errors["name"]})
        return _account_page(422, profile=form)
    db.session.commit()
    language = str(get_locale() or "en")
    if current_user.language != before:
        # A choice just made beats one remembered from the switcher: remember it instead.
        language = g.lang_chosen = current_user.language
    with force_locale(language):  # the language of the page the redirect shows
        flash(_("Your name and language are saved."), "success")
    return redirect(url_for(".account"), 303)


@bp.post("/account/password")
def account_password():
    """Change the organizer's password, given the current one."""
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _account_page(422, password=form)
    if form.new_password.data != form.confirm_password.data:
        errors_beside(form, {"confirm_password": passwords_differ_message()})
        return _account_page(422, password=form)
    try:
        accounts.change_password(
            current_user, form.current_password.data, form.new_password.data, now=now()
        )
    except ValidationFailed as exc:
        db.session.rollback()
        if "current_password" in exc.errors:
            errors_beside(form, {"current_password": wrong_password_message()})
        if "new_password" in exc.errors:
            errors_beside(form, {"new_password": short_password_message()})
        return _account_page(422, password=form)
    db.session.commit()
    login_user(current_user._get_current_object())  # this session stays; the others end
    flash(_("Your password is changed."), "success")
    return redirect(url_for(".account"), 303)


@bp.post("/account/email")
def account_email():
    """Send a confirmation link to a new sign-in address; it counts once that link is used."""
    form = EmailChangeForm()
    if not form.validate_on_submit():
        return _account_page(422, email=form)
    try:
        row = accounts.request_email_change(
            current_user, form.email.data, form.password.data, now=now()
        )
    except ValidationFailed as exc:
        db.session.rollback()
        if "password" in exc.errors:
            errors_beside(form, {"password": wrong_password_message()})
        elif exc.errors.get("email") == accounts.SAME_EMAIL:
            errors_beside(form, {"email": _("That is already your address.")})
        elif "email" in exc.errors:
            errors_beside(form, {"email": invalid_email_message()})
        return _account_page(422, email=form)
    except Conflict:
        db.session.rollback()
        errors_beside(form, {"email": _("Another account has that address. Choose another one.")})
        return _account_page(409, email=form)
    db.session.commit()
    flash(
        _(
            "We sent a link to %(email)s. Your address changes when you open it, "
            "within %(hours)s hours.",
            email=row.new_email,
            hours=accounts.email_change_hours(),
        ),
        "success",
    )
    return redirect(url_for(".account"), 303)


@bp.post("/account/tokens")
def account_token_new():
    """Make an API token and show it once."""
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _account_page(422, token=form)
    token = organizers.create_api_token(current_user, name=form.token_name.data or "", now=now())
    db.session.commit()
    session[NEW_TOKEN_KEY] = token
    flash(_("Your new API token is below. Copy it now: it is not shown again."), "success")
    return redirect(url_for(".account", _anchor="new-token"), 303)


@bp.post("/account/tokens/<int:token_id>/revoke")
def account_token_revoke(token_id: int):
    """Revoke one of the organizer's API tokens; programs using it get 401 from then on."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not organizers.revoke_api_token(current_user, token_id):
        abort(404)
    db.session.commit()
    flash(_("The token is revoked. Programs that use it can no longer sign in."), "success")
    return redirect(url_for(".account", _anchor="tokens"), 303)


def wrong_password_message() -> str:
    return _("That is not your current password.")
