"""Tell a signed-in organizer, on every page under /me, when the administrator turned them off."""

from __future__ import annotations

from flask_login import current_user

from ..services import policy
from .blueprint import bp


@bp.context_processor
def policy_banner() -> dict:
    """Give base.html the reasons the organizer's pages are offline (none: no banner)."""
    if not current_user.is_authenticated:
        return {}
    return {"policy_reasons": policy.reason_texts(policy.reasons_for(current_user))}
