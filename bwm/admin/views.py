"""The administrator's view under /admin."""

from flask import abort, render_template
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import User
from . import bp


@bp.before_request
@login_required
def require_admin():
    """Let only administrators in."""
    if not current_user.is_admin:
        abort(403)


@bp.get("/")
def index():
    """List the organization's users."""
    users = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/index.html", users=users)
