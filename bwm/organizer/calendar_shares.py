"""Calendar shares under /me/shares: share with an address, list, revoke; and colleagues'
calendars shared with me, shown beside my own at /me/shares/calendar."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from ..domain.errors import Conflict, ValidationFailed
from ..domain.policy import DETAILS
from ..extensions import db
from ..htmx import render_htmx
from ..services import calendar_shares as shares  # the view calendar_shares() has the name
from ..services import policy
from ..web import errors_beside, now, problems_of
from .blueprint import bp
from .forms import EmptyForm, choices


class CalendarShareForm(FlaskForm):
    email = StringField(_l("Email address"))
    detail = SelectField(_l("Level of detail"), validate_choice=False)


def _detail_choices(org) -> list:
    """Offer the levels up to the organization's maximum."""
    top = DETAILS.index(org.max_detail)
    return choices((level, policy.DETAIL_LABELS[level]) for level in DETAILS[: top + 1])


def _shares_page(form: CalendarShareForm, status: int = 200):
    org = policy.org_policy()
    form.detail.choices = _detail_choices(org)
    rows = [
        {
            "share": share,
            "state": shares.state_of(share, org),
            "shown": shares.shown_level(share, org),
            "url": shares.url_of(share),
            "ics_url": shares.ics_url_of(share),
        }
        for share in shares.shares_of(current_user)
    ]
    return render_template(
        "organizer/shares.html",
        form=form,
        org=org,
        rows=rows,
        shared_with_me=[
            (share, shares.colleague_level(share)) for share in shares.shared_with(current_user)
        ],
        labels=policy.DETAIL_LABELS,
        sharing_open=org.external_sharing and org.anonymous_sharing,
    ), status


@bp.get("/shares")
def calendar_shares():
    """List my calendar shares and the calendars colleagues share with me."""
    return _shares_page(CalendarShareForm(detail="free_busy"))


@bp.post("/shares")
def calendar_share_create():
    """Share my calendar with an address at a level of detail; the invitee gets the link."""
    form = CalendarShareForm()
    # WTForms before 3.2 refuses a select without choices even when it checks none (the schema
    # checks the level).
    form.detail.choices = _detail_choices(policy.org_policy())
    if not form.validate():
        return _shares_page(form, 422)
    data = {"email": form.email.data or "", "detail": form.detail.data}
    current = now()
    try:
        share = shares.create_share(current_user, data, now=current)
    except ValidationFailed as exc:
        db.session.rollback()
        errors_beside(form, exc.errors, fallback=form.email)
        return _shares_page(form, 422)
    except Conflict as exc:
        db.session.rollback()
        errors_beside(form, problems_of(exc), fallback=form.email)
        return _shares_page(form, 409)
    except shares.SharingClosed:
        db.session.rollback()
        flash(_("Your organization does not allow sharing calendars with people outside."), "error")
        return _shares_page(form, 403)
    db.session.commit()
    flash(
        _("Your calendar is shared with %(email)s; they got the link by email.", email=share.email),
        "success",
    )
    return redirect(url_for(".calendar_shares"), 303)


@bp.post("/shares/<int:share_id>/revoke")
def calendar_share_revoke(share_id: int):
    """Revoke one of my calendar shares; its link stops working at once."""
    share = shares.own_share(share_id, current_user.id)
    if share is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    shares.revoke(share, now=now())
    db.session.commit()
    flash(_("The share with %(email)s is revoked.", email=share.email), "success")
    return redirect(url_for(".calendar_shares"), 303)


@bp.get("/shares/calendar")
def shared_calendars():
    """Show my week beside a colleague's calendar shared with me (?with=<share id>)."""
    colleagues = shares.shared_with(current_user)
    chosen = None
    with_id = request.args.get("with", type=int)
    if with_id is not None:
        chosen = shares.colleague_share(with_id, current_user)
        if chosen is None:
            abort(404)
    tz = shares.zone_of(current_user)
    monday = shares.parse_week(request.args.get("week"), tz, now=now())
    mine = shares.week_of(current_user, "full", monday, tz)
    theirs = None
    if chosen is not None:
        theirs = shares.week_of(chosen.user, shares.colleague_level(chosen), monday, tz)

    def week_url(day):
        return url_for(
            ".shared_calendars", week=day.isoformat(), **({"with": chosen.id} if chosen else {})
        )

    return render_htmx(
        "organizer/shared_calendars.html",
        "organizer/_side_by_side.html",
        colleagues=colleagues,
        chosen=chosen,
        mine=mine,
        theirs=theirs,
        week=mine,
        week_url=week_url,
        labels=policy.DETAIL_LABELS,
    )
