from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import limiter
from ..services.organizers import authenticate
from . import bp
from .forms import LoginForm


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
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(next_url or url_for("organizer.dashboard"), 303)
        form.password.errors.append(_("That email and password do not match an account."))
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form, next_url=next_url), status


@bp.post("/logout")
@login_required
def logout():
    """Sign the organizer out."""
    logout_user()
    return redirect(url_for("auth.login"), 303)
