"""The proof-of-work challenge the booking form's widget asks for (BWM_BOT_CHECK=pow)."""

from flask import abort, jsonify

from ..services import bot_checks
from ..web import now
from .blueprint import bp


@bp.get("/altcha/challenge")
def altcha_challenge():
    """A fresh ALTCHA challenge as JSON (404 while the check is off); never cached."""
    if not bot_checks.enabled():
        abort(404)
    response = jsonify(bot_checks.challenge(now()))
    response.headers["Cache-Control"] = "no-store"
    return response
