"""Sharing the booking page: copy links, send them by email, a signature snippet, a QR code."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from ..domain.errors import ValidationFailed
from ..extensions import db
from ..services import page_sharing
from ..web import errors_beside, now
from .blueprint import bp


class ShareEmailForm(FlaskForm):
    to = StringField(_l("To"))
    message = TextAreaField(_l("Message"), validators=[Length(max=page_sharing.MAX_MESSAGE)])
    what = SelectField(_l("What to share"), validate_choice=False)


def _share_page(form: ShareEmailForm, status: int = 200):
    page = current_user.page
    targets = page_sharing.targets(page)
    form.what.choices = [(t.key, t.label) for t in targets]
    page_url = page_sharing.page_url(page)
    signature_html, signature_text = page_sharing.signature(page, page_url)
    return (
        render_template(
            "organizer/sharing.html",
            page=page,
            form=form,
            targets=targets,
            page_url=page_url,
            private_types=[mt for mt in page.meeting_types if mt.visibility == "private"],
            signature_html=signature_html,
            signature_source=str(signature_html),  # a plain str, so the page shows it escaped
            signature_text=signature_text,
        ),
        status,
    )


@bp.get("/share")
def sharing_page():
    """Show the page's links to copy, the email form, the signature snippet and the QR code."""
    return _share_page(ShareEmailForm())


@bp.post("/share/email")
def share_email():
    """Send the page link (or a type's) with a message to several addresses, via the outbox."""
    page = current_user.page
    form = ShareEmailForm()
    targets = {t.key: t for t in page_sharing.targets(page)}
    form.what.choices = [(key, t.label) for key, t in targets.items()]
    if not form.validate():
        return _share_page(form, 422)
    target = targets.get(form.what.data)
    if target is None:
        form.what.errors = [_("Pick the page or one of its public meeting types.")]
        return _share_page(form, 422)
    try:
        addresses = page_sharing.parse_addresses(form.to.data or "")
        page_sharing.share_by_email(page, addresses, form.message.data or "", target, now=now())
    except ValidationFailed as exc:
        db.session.rollback()
        errors_beside(form, exc.errors, fallback=form.to)
        return _share_page(form, 422)
    db.session.commit()
    flash(_("Sent to %(list)s.", list=", ".join(addresses)), "success")
    return redirect(url_for(".sharing_page"), 303)


@bp.get("/page/qr.svg")
def page_qr():
    """Serve the page link as a QR code (SVG); ?download=1 saves it as a file."""
    body = page_sharing.qr_svg(page_sharing.page_url(current_user.page))
    response = make_response(body)
    response.headers["Content-Type"] = "image/svg+xml"
    response.headers["Cache-Control"] = "private, no-cache"
    if request.args.get("download"):
        name = f"{current_user.page.slug}-qr.svg"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
