from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..domain.errors import Conflict, ValidationFailed
from ..domain.tokens import TokenError
from ..extensions import db, limiter
from ..services import accounts, sso
from ..services.organizers import authenticate
from ..web import now
from .blueprint import bp
from .forms import (
    EmptyForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    invalid_email_message,
    passwords_differ_message,
    short_password_message,
)


def safe_next(target: str | None) -> str | None:
    """Return target when it is a path on this site, else None."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login():
    """Sign an organizer in."""
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("organizer.dashboard"))
    settings = sso.settings_from(current_app.config)
    form = LoginForm()
    status = 200
    if not settings.password_login:
        # BWM_PASSWORD_LOGIN=false: only the provider signs people in (the CLI still works).
        status = 403 if request.method == "POST" else 200
        return render_template(
            "auth/login.html", form=None, next_url=next_url, sso=settings
        ), status
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(next_url or url_for("organizer.dashboard"), 303)
        form.password.errors.append(_("That email and password do not match an account."))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form, next_url=next_url, sso=settings), status


def require_passwords() -> None:
    """Answer 404 when passwords are turned off: a reset would sign its reader in."""
    if not sso.settings_from(current_app.config).password_login:
        abort(404)


@bp.post("/logout")
@login_required
def logout():
    """Sign the organizer out."""
    logout_user()
    return redirect(url_for("auth.login"), 303)


# --- forgotten passwords ----------------------------------------------------------------------


@bp.route("/login/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def forgot_password():
    """Email a link to choose a new password; the same answer whether the address is known."""
    require_passwords()
    form = ForgotPasswordForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/forgot.html", form=form), status
    try:
        accounts.send_password_reset(form.email.data, now=now())
    except ValidationFailed:
        form.email.errors = [*form.email.errors, invalid_email_message()]
        return render_template("auth/forgot.html", form=form), 422
    db.session.commit()
    return redirect(url_for("auth.forgot_password_sent"), 303)


@bp.get("/login/forgot/sent")
def forgot_password_sent():
    """Say that a link went out, if an account has the address."""
    require_passwords()
    return render_template("auth/forgot_sent.html", minutes=accounts.reset_minutes())


@bp.route("/login/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Let the owner of a reset link choose a new password, then sign them in."""
    require_passwords()
    user = accounts.open_password_reset(token, now=now())  # TokenError -> 404/410 (errors.py)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/reset.html", form=form, user=user), status
    if form.new_password.data != form.confirm_password.data:
        form.confirm_password.errors = [*form.confirm_password.errors, passwords_differ_message()]
        return render_template("auth/reset.html", form=form, user=user), 422
    try:
        accounts.reset_password(user, form.new_password.data, now=now())
    except ValidationFailed:
        db.session.rollback()
        form.new_password.errors = [*form.new_password.errors, short_password_message()]
        return render_template("auth/reset.html", form=form, user=user), 422
    except TokenError:
        db.session.rollback()  # another request set a password with the link meanwhile: 410
        raise
    db.session.commit()
    login_user(user)
    flash(_("Your new password is set, and you are signed in."), "success")
    return redirect(url_for("organizer.dashboard"), 303)


# --- a new sign-in address, confirmed from the link sent to it --------------------------------


@bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Show the change a confirmation link makes; the POST makes it (scanners only GET)."""
    current = now()
    row = accounts.open_email_change(token, now=current)  # TokenError -> 404/410 (errors.py)
    form = EmptyForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/confirm_email.html", form=form, change=row), status
    try:
        accounts.confirm_email_change(row, now=current)
    except Conflict:
        db.session.rollback()
        return render_template("auth/confirm_email.html", form=form, change=row, taken=True), 409
    except TokenError:
        db.session.rollback()  # confirmed by another request meanwhile: 410
        raise
    email = row.new_email
    db.session.commit()
    flash(_("Your sign-in address is now %(email)s.", email=email), "success")
    if current_user.is_authenticated:
        return redirect(url_for("organizer.account"), 303)
    return redirect(url_for("auth.login"), 303)
