"""The organizer's private links: list a meeting type's links, make one, revoke one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField
from wtforms.validators import Optional

from ..domain import links as rules
from ..domain.errors import ValidationFailed
from ..extensions import db
from ..models import MeetingType, PrivateLink
from ..services import links
from ..web import errors_beside, now
from .blueprint import bp
from .forms import EmptyForm
from .meeting_types import own_type


class NewLinkForm(FlaskForm):
    single_use = BooleanField(_l("Single use: the link works for one booking only"))
    expires_on = DateField(_l("Expires after (optional)"), validators=[Optional()])


def _row(link: PrivateLink, tz: ZoneInfo, current: datetime) -> dict:
    """Give a link with its URL, state and times in the organizer's zone."""
    return {
        "link": link,
        "url": links.url_of(link),
        "state": links.state_of(link, current),
        "created": link.created_at.astimezone(tz),
        "expires": link.expires_at.astimezone(tz),
        "used": link.used_at.astimezone(tz) if link.used_at else None,
        "revoked": link.revoked_at.astimezone(tz) if link.revoked_at else None,
    }


def _links_page(mt: MeetingType, form: NewLinkForm, status: int = 200):
    page = current_user.page
    tz = ZoneInfo(page.timezone)
    current = now()
    latest = rules.latest_expiry(current, links.max_days()).astimezone(tz)
    return (
        render_template(
            "organizer/meeting_type_links.html",
            page=page,
            mt=mt,
            form=form,
            rows=[_row(link, tz, current) for link in links.links_of(mt)],
            days=links.max_days(),
            today=current.astimezone(tz).date(),
            latest=latest.date(),
        ),
        status,
    )


@bp.route("/types/<int:type_id>/links", methods=["GET", "POST"])
def meeting_type_links(type_id: int):
    """List a meeting type's private links with their state, and make a new one."""
    mt = own_type(type_id)
    form = NewLinkForm()
    if not form.is_submitted():
        return _links_page(mt, form)
    if form.validate():
        current = now()
        try:
            expires_at = (
                rules.expiry_for_date(
                    form.expires_on.data,
                    ZoneInfo(current_user.page.timezone),
                    now=current,
                    days=links.max_days(),
                )
                if form.expires_on.data
                else rules.choose_expiry(None, now=current, days=links.max_days())
            )
        except ValidationFailed as exc:
            errors_beside(form, exc.errors, aliases={"expires_at": "expires_on"})
        else:
            link = links.create_link(
                mt, single_use=bool(form.single_use.data), expires_at=expires_at, now=current
            )
            db.session.commit()
            flash(_("New link: %(url)s", url=links.url_of(link)), "success")
            return redirect(url_for(".meeting_type_links", type_id=mt.id), 303)
    return _links_page(mt, form, 422)


@bp.post("/links/<int:link_id>/revoke")
def link_revoke(link_id: int):
    """Revoke one of the organizer's private links."""
    link = links.own_link(link_id, current_user.id)
    if link is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    links.revoke(link, now=now())
    db.session.commit()
    flash(_("The link is revoked. Anyone who opens it is asked for a new one."), "success")
    return redirect(url_for(".meeting_type_links", type_id=link.meeting_type_id), 303)
