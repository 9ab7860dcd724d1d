"""The organizer's view under /me."""

from flask import render_template
from flask_login import current_user, login_required

from . import bp


@bp.before_request
@login_required
def require_login():
    """Every page under /me is for a signed-in organizer."""


@bp.get("/")
def dashboard():
    """Show the organizer's page link and meeting types at a glance."""
    return render_template("organizer/dashboard.html", page=current_user.page)
