"""The organizer's private links: list a meeting type's links, make one, revoke one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, StringField, TextAreaField
from wtforms.validators import Optional

from ..domain import links as rules
from ..domain.errors import ValidationFailed
from ..extensions import db
from ..models import MeetingType, PrivateLink
from ..schemas import html_attributes
from ..schemas.links import LinkIn
from ..services import links
from ..web import errors_beside, now
from .blueprint import bp
from .forms import EmptyForm
from .meeting_types import own_type


class NewLinkForm(FlaskForm):
    single_use = BooleanField(_l("Single use: the link works for one booking only"))
    expires_on = DateField(_l("Expires after (optional)"), validators=[Optional()])
    # A link for one person (SPEC §9): the booking form opens with their name and email.
    name = StringField(_l("Their name (optional)"), render_kw=html_attributes(LinkIn, "name"))
    email = EmailField(_l("Their email (optional)"), render_kw={"maxlength": 254})
    message = TextAreaField(
        _l("Message with the link (optional)"), render_kw=html_attributes(LinkIn, "message")
    )
    send = BooleanField(_l("Email the link to them"))


class SendLinksForm(FlaskForm):
    """Many single-use links at once: one for each address, each emailed."""

    addresses = TextAreaField(_l("Email addresses, one a line"), render_kw={"required": True})
    message = TextAreaField(
        _l("Message with each link (optional)"), render_kw=html_attributes(LinkIn, "message")
    )
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


def _links_page(
    mt: MeetingType,
    form: NewLinkForm,
    status: int = 200,
    send_form: SendLinksForm | None = None,
):
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
            send_form=send_form or SendLinksForm(formdata=None),
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
            link = links.new_link(
                mt,
                {
                    "single_use": bool(form.single_use.data),
                    "expires_at": _expiry(form.expires_on.data, current),
                    "name": form.name.data,
                    "email": form.email.data or None,
                    "message": form.message.data,
                    "send": bool(form.send.data),
                },
                now=current,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            errors_beside(form, exc.errors, aliases={"expires_at": "expires_on"})
        else:
            db.session.commit()
            if form.send.data:
                flash(_("The link is on its way to %(email)s.", email=link.email), "success")
            else:
                flash(_("New link: %(url)s", url=links.url_of(link)), "success")
            return redirect(url_for(".meeting_type_links", type_id=mt.id), 303)
    return _links_page(mt, form, 422)


def _expiry(day, current: datetime) -> str | None:
    """The end of the chosen day in the page's zone (checked by the domain), as LinkIn's
    expires_at; None: the longest."""
    if not day:
        return None
    tz = ZoneInfo(current_user.page.timezone)
    return rules.expiry_for_date(day, tz, now=current, days=links.max_days()).isoformat()


@bp.post("/types/<int:type_id>/links/send")
def meeting_type_links_send(type_id: int):
    """Make a single-use link for each address given, and email each its own."""
    mt = own_type(type_id)
    send_form = SendLinksForm()
    if send_form.validate():
        current = now()
        try:
            made = links.new_links_for(
                mt,
                send_form.addresses.data or "",
                message=send_form.message.data or "",
                expires_at=_expiry(send_form.expires_on.data, current),
                now=current,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            errors_beside(send_form, exc.errors, aliases={"expires_at": "expires_on"})
        else:
            db.session.commit()
            flash(_("%(n)s links are on their way.", n=len(made)), "success")
            return redirect(url_for(".meeting_type_links", type_id=mt.id), 303)
    return _links_page(mt, NewLinkForm(formdata=None), 422, send_form)


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
