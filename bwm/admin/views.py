"""The administrator's view under /admin: the organization's policy and its users.

A change to the organization's settings is shown first (who goes offline, who comes back, what
it does to shared calendars), then saved when the admin confirms.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from ..domain.errors import Conflict, ValidationFailed
from ..domain.policy import DETAILS, OrgPolicy
from ..extensions import db
from ..models import CalendarShare, User
from ..services import audit, invites, policy
from ..web import errors_beside, now, problems_of
from .blueprint import bp
from .forms import NewUserForm, OrgSettingsForm, UserSettingForm


@bp.before_request
@login_required
def require_admin():
    """Let only administrators in."""
    if not current_user.is_admin:
        abort(403)
    audit.acting_as(current_user._get_current_object())


def _settings_form(org: OrgPolicy) -> OrgSettingsForm:
    return OrgSettingsForm(data=asdict(org))  # the form's fields are the policy's


def _index(
    settings_form: OrgSettingsForm | None = None,
    user_form: NewUserForm | None = None,
    status: int = 200,
):
    org = policy.org_policy()
    users = db.session.scalars(select(User).order_by(User.name, User.email)).all()
    rows = [{"user": user, "reasons": policy.reasons_for(user, org)} for user in users]
    return render_template(
        "admin/index.html",
        org=org,
        settings_form=settings_form or _settings_form(org),
        user_form=user_form or NewUserForm(),
        rows=rows,
        allow_list=policy.allow_list(),
        block_list=policy.block_list(),
        reason_labels=policy.REASON_LABELS,
        policy_labels=policy.POLICY_LABELS,
        detail_labels=policy.DETAIL_LABELS,
        action_form=UserSettingForm(),
    ), status


@bp.get("/")
def index():
    """Show the organization's settings, its users and the allow or block list."""
    return _index()


# --- organization settings --------------------------------------------------------------------


def _shares_lowered(old: OrgPolicy, new: OrgPolicy) -> int:
    """Count the live shares a lower maximum shows with less detail."""
    if DETAILS.index(new.max_detail) >= DETAILS.index(old.max_detail):
        return 0
    above = DETAILS[DETAILS.index(new.max_detail) + 1 :]
    return db.session.scalar(
        select(func.count())
        .select_from(CalendarShare)
        .where(CalendarShare.revoked_at.is_(None), CalendarShare.detail.in_(above))
    )


def _live_shares() -> int:
    return db.session.scalar(
        select(func.count()).select_from(CalendarShare).where(CalendarShare.revoked_at.is_(None))
    )


@bp.post("/settings/preview")
def settings_preview():
    """Show what a change of the organization's settings does, before it is saved."""
    form = OrgSettingsForm()
    if not form.validate():
        return _index(settings_form=form, status=422)
    old = policy.org_policy()
    new = policy.proposed(form.changes())
    if new == old:
        flash(_("Nothing to change: the settings are as they were."), "success")
        return redirect(url_for(".index"), 303)
    sharing_closes = (old.external_sharing and old.anonymous_sharing) and not (
        new.external_sharing and new.anonymous_sharing
    )
    sharing_opens = not (old.external_sharing and old.anonymous_sharing) and (
        new.external_sharing and new.anonymous_sharing
    )
    return render_template(
        "admin/settings_preview.html",
        old=policy.settings_to_dict(old),
        new=policy.settings_to_dict(new),
        org=new,
        form=form,
        affected=policy.affected_by(old, new),
        anonymous_off=old.anonymous_sharing and not new.anonymous_sharing,
        sharing_closes=sharing_closes,
        sharing_opens=sharing_opens,
        live_shares=_live_shares(),
        shares_lowered=_shares_lowered(old, new),
        detail_labels=policy.DETAIL_LABELS,
    )


@bp.post("/settings")
def settings_save():
    """Save the organization's settings (after the preview); they take effect at once."""
    form = OrgSettingsForm()
    if not form.validate():
        return _index(settings_form=form, status=422)
    old, new = policy.update_org(form.changes(), now=now())
    affected = policy.affected_by(old, new)
    db.session.commit()
    flash(
        _(
            "The settings are saved. Pages offline now: %(off)s; back online: %(back)s.",
            off=len(affected.offline),
            back=len(affected.back),
        ),
        "success",
    )
    return redirect(url_for(".index"), 303)


# --- users ------------------------------------------------------------------------------------


@bp.post("/users")
def user_create():
    """Create a user with a password, or invite them by email to choose one."""
    form = NewUserForm()
    if not form.validate():
        return _index(user_form=form, status=422)
    if not form.password.data and not form.invite.data:
        form.password.errors = [
            *form.password.errors,
            _("Give a password, or invite them by email to choose one."),
        ]
        return _index(user_form=form, status=422)
    current = now()
    try:
        user = invites.create_user(
            form.name.data,
            form.email.data,
            form.password.data or None,
            invite=bool(form.invite.data),
            admin=bool(form.admin.data),
            now=current,
        )
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        errors_beside(form, problems_of(exc), aliases={"slug": "name"}, fallback=form.name)
        return _index(user_form=form, status=409 if isinstance(exc, Conflict) else 422)
    db.session.commit()
    if form.invite.data:
        flash(_("%(email)s is created and invited by email.", email=user.email), "success")
    else:
        flash(_("%(email)s is created.", email=user.email), "success")
    return redirect(url_for(".index"), 303)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _value(form: UserSettingForm, allowed: tuple[str, str]) -> bool:
    """Return the clicked value as a bool (the first of `allowed` is True); 400 otherwise."""
    if not form.validate() or form.value.data not in allowed:
        abort(400)
    return form.value.data == allowed[0]


@bp.post("/users/<int:user_id>/bookings")
def user_bookings(user_id: int):
    """Turn Bookings with me on or off for one user, through the allow or block list.

    When that changes the user policy or anyone else's pages, show that first and save on the
    admin's confirmation.
    """
    user = _user_or_404(user_id)
    form = UserSettingForm()
    on = _value(form, ("on", "off"))
    change = policy.preview_user(user, bookings=on)
    others = [u for u in change.affected.offline + change.affected.back if u.id != user.id]
    if (change.new_org != change.old_org or others) and form.confirm.data != "yes":
        return render_template(
            "admin/user_preview.html",
            user=user,
            on=on,
            change=change,
            others=others,
            policy_labels=policy.POLICY_LABELS,
            form=form,
        )
    policy.set_user(user, bookings=on, now=now())
    db.session.commit()
    reasons = policy.reasons_for(user)
    message = (
        _("Bookings with me is on for %(email)s.", email=user.email)
        if on
        else _("Bookings with me is off for %(email)s.", email=user.email)
    )
    if on and reasons:
        labels = ", ".join(str(policy.REASON_LABELS[r]) for r in reasons)
        message += " " + _("Their pages stay offline: %(why)s.", why=labels)
    flash(message, "success")
    return redirect(url_for(".index"), 303)


@bp.post("/users/<int:user_id>/licence")
def user_licence(user_id: int):
    """Give or take away one user's Bookings with me licence."""
    user = _user_or_404(user_id)
    licensed = _value(UserSettingForm(), ("yes", "no"))
    policy.set_user(user, licensed=licensed, now=now())
    db.session.commit()
    flash(
        _("%(email)s now has a licence.", email=user.email)
        if licensed
        else _("%(email)s no longer has a licence.", email=user.email),
        "success",
    )
    return redirect(url_for(".index"), 303)


@bp.post("/users/<int:user_id>/admin")
def user_admin(user_id: int):
    """Make one user an administrator, or not; nobody takes away their own admin rights here."""
    user = _user_or_404(user_id)
    admin = _value(UserSettingForm(), ("yes", "no"))
    if not admin and user.id == current_user.id:
        flash(_("You can't take away your own admin rights; ask another admin."), "error")
        return redirect(url_for(".index"), 303)
    policy.set_user(user, admin=admin, now=now())
    db.session.commit()
    flash(
        _("%(email)s is now an administrator.", email=user.email)
        if admin
        else _("%(email)s is no longer an administrator.", email=user.email),
        "success",
    )
    return redirect(url_for(".index"), 303)


@bp.post("/users/<int:user_id>/invite")
def user_invite(user_id: int):
    """Send a user a new invitation to choose their password."""
    user = _user_or_404(user_id)
    if not UserSettingForm().validate():
        abort(400)
    current = now()
    invites.send_invite(user, now=current)
    db.session.commit()
    flash(_("An invitation is sent to %(email)s.", email=user.email), "success")
    return redirect(url_for(".index"), 303)
