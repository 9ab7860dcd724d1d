"""For administrators (SPEC §11): an attendee's data (export, erase) and the privacy settings."""

from dataclasses import asdict

from flask import g

from ..extensions import db
from ..schemas.privacy import AttendeeDataOut, ErasedOut, PrivacySettingsIn, PrivacySettingsOut
from ..services import audit, policy, privacy
from ..web import now
from .auth import admin_token_required
from .blueprint import bp

INVALID = {"description": "not a valid email address (errors names `email`)"}


@bp.get("/admin/attendees/<email>")
@admin_token_required
@bp.response(200, AttendeeDataOut)
@bp.alt_response(422, **INVALID)
def admin_attendee_export(email: str):
    """Everything stored about the address: bookings with every organizer, queued mail, links."""
    return privacy.export(email, now=now())


@bp.delete("/admin/attendees/<email>")
@admin_token_required
@bp.response(200, ErasedOut)
@bp.alt_response(422, **INVALID)
def admin_attendee_erase(email: str):
    """Erase the address: future bookings cancelled (organizers told), the rest anonymized,
    queued mail to it dropped; recorded in the audit trail."""
    audit.acting_as(g.api_user)
    counts = privacy.erase(email, now=now())
    db.session.commit()
    return counts


@bp.get("/admin/privacy")
@admin_token_required
@bp.response(200, PrivacySettingsOut)
def admin_privacy():
    """The privacy settings: how long attendees' data is kept, the consent text."""
    return asdict(policy.privacy())


@bp.patch("/admin/privacy")
@admin_token_required
@bp.arguments(PrivacySettingsIn(partial=True))
@bp.response(200, PrivacySettingsOut)
def admin_privacy_update(values: dict):
    """Change the privacy settings given; the change is recorded in the audit trail."""
    audit.acting_as(g.api_user)
    _, new = policy.update_privacy(values, now=now())
    db.session.commit()
    return asdict(new)
