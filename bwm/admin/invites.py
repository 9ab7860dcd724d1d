"""The invitation link an admin's new user gets: /invite/<token> to choose a password.

The person is not signed in (nor an admin), so this lives outside /admin and its check, in a
blueprint of its own (create_app registers it beside the admin blueprint).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..domain.errors import ValidationFailed
from ..domain.tokens import TokenError
from ..extensions import db
from ..services import invites
from ..web import errors_beside, now
from .forms import SetPasswordForm

invites_bp = Blueprint("invites", __name__)


@invites_bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    """Let an invited user choose their password; the link then no longer works."""
    current = now()
    row = invites.open_invite(token, now=current)  # TokenError -> 404/410 (errors.py)
    form = SetPasswordForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("admin/invite.html", form=form, user=row.user), status
    if form.password.data != form.confirm.data:
        form.confirm.errors = [*form.confirm.errors, _("The two passwords are not the same.")]
        return render_template("admin/invite.html", form=form, user=row.user), 422
    try:
        user = invites.accept(row, form.password.data, now=current)
    except ValidationFailed as exc:
        db.session.rollback()
        errors_beside(form, exc.errors, fallback=form.password)
        return render_template("admin/invite.html", form=form, user=row.user), 422
    except TokenError:
        db.session.rollback()  # used by another request meanwhile: the 410 page
        raise
    db.session.commit()
    flash(_("Your password is set. Sign in with %(email)s.", email=user.email), "success")
    return redirect(url_for("auth.login"), 303)
