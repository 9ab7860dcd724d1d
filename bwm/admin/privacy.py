"""The privacy page (/admin/privacy, SPEC §11): the retention and consent settings, and an
attendee's data looked up by email, downloaded as JSON or erased (after a confirm step)."""

from __future__ import annotations

import json

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..domain.errors import ValidationFailed
from ..extensions import db
from ..htmx import render_htmx
from ..services import policy, privacy
from ..web import now, translated
from .blueprint import bp
from .forms import AttendeeLookupForm, EmptyForm, PrivacyForm


def _settings_form() -> PrivacyForm:
    settings = policy.privacy()
    days = settings.retention_days
    return PrivacyForm(
        formdata=None,
        retention_days="" if days is None else str(days),
        consent_text=settings.consent_text,
    )


def _lookup(lookup: AttendeeLookupForm) -> tuple[dict | None, int]:
    """The export of the address asked for (None: none asked), and the page's status."""
    email = (lookup.email.data or "").strip()
    if not email:
        return None, 200
    try:
        return privacy.export(email, now=now()), 200
    except ValidationFailed as exc:
        lookup.email.errors = [translated(exc.errors["email"])]
        return None, 422


def _page(form: PrivacyForm, status: int = 200):
    lookup = AttendeeLookupForm(request.args)
    data, lookup_status = _lookup(lookup)
    return render_htmx(
        "admin/privacy.html",
        "admin/_attendee_data.html",
        status=max(status, lookup_status),
        form=form,
        lookup=lookup,
        data=data,
    )


@bp.get("/privacy", endpoint="privacy")
def privacy_page():
    """The privacy settings, and (with ?email=) what is stored about an attendee."""
    return _page(_settings_form())


@bp.post("/privacy")
def privacy_save():
    """Save the retention and consent settings; the change is recorded in the audit trail."""
    form = PrivacyForm()
    if not form.validate():
        abort(400)  # CSRF
    try:
        policy.update_privacy(form.data_for_service(), now=now())
    except ValidationFailed as exc:
        db.session.rollback()
        for name, message in exc.errors.items():
            getattr(form, name, form.retention_days).errors = [translated(message)]
        return _page(form, 422)
    db.session.commit()
    flash(_("The privacy settings are saved."), "success")
    return redirect(url_for(".privacy"), 303)


@bp.get("/privacy/attendee.json")
def privacy_download():
    """The export of ?email= as a JSON file."""
    try:
        data = privacy.export(request.args.get("email", ""), now=now())
    except ValidationFailed as exc:
        abort(422, description=translated(exc.errors["email"]))
    response = make_response(json.dumps(data, indent=2, ensure_ascii=False))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = 'attachment; filename="attendee.json"'
    return response


@bp.get("/privacy/erase")
def privacy_erase_confirm():
    """Ask before erasing ?email=: what will be cancelled and anonymized."""
    try:
        data = privacy.export(request.args.get("email", ""), now=now())
    except ValidationFailed as exc:
        abort(422, description=translated(exc.errors["email"]))
    return render_template("admin/privacy_erase.html", data=data, form=EmptyForm())


@bp.post("/privacy/erase")
def privacy_erase():
    """Erase the address (future bookings cancelled, organizers told); audited."""
    if not EmptyForm().validate():
        abort(400)
    try:
        counts = privacy.erase(request.form.get("email", ""), now=now())
    except ValidationFailed as exc:
        abort(422, description=translated(exc.errors["email"]))
    db.session.commit()
    flash(
        _(
            "Erased: %(bookings)s bookings anonymized, %(cancelled)s cancelled, "
            "%(messages)s queued emails dropped.",
            bookings=counts["bookings"],
            cancelled=counts["cancelled"],
            messages=counts["messages_dropped"],
        ),
        "success",
    )
    return redirect(url_for(".privacy"), 303)
