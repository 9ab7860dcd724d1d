"""The proof-of-work bot check (SPEC §11, BWM_BOT_CHECK=pow): ALTCHA challenges made and checked
here, solved by the browser (the widget in static/vendor/altcha-*); no third party.

A challenge is signed with a key derived from SECRET_KEY (older keys still accepted), says
when it expires (BOT_CHECK_MINUTES, by the app's clock), and pays for one booking: its signature
is kept until then, unique, so of two bookings with the same solution exactly one goes through.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from ..core import signing
from ..domain.errors import Message, ValidationFailed
from ..extensions import db
from ..models import UsedChallenge

FIELD = "altcha"
MISSING = _l("please wait for the check that you are not a robot, then send the form again")
INVALID = _l("the check that you are not a robot failed; please try again")
EXPIRED = _l("the check that you are not a robot has expired; please try again")
USED = _l("this check was already used for a booking; please try again")


def enabled() -> bool:
    return current_app.config.get("BOT_CHECK") == "pow"


def _key(secret: str) -> str:
    return hmac.new(secret.encode(), b"bwm.altcha", hashlib.sha256).hexdigest()


def challenge(now: datetime) -> dict:
    """A new challenge for the widget (the JSON its challengeurl answers)."""
    from altcha import create_challenge_v1  # only where the check is on

    minutes = int(current_app.config["BOT_CHECK_MINUTES"])
    made = create_challenge_v1(
        hmac_key=_key(signing.keys()[-1]),
        max_number=int(current_app.config["BOT_CHECK_MAX_NUMBER"]),
        expires=now + timedelta(minutes=minutes),
    )
    return made.to_dict()


def _fail(message) -> ValidationFailed:
    return ValidationFailed({FIELD: Message(message)})


def check(payload: str, now: datetime) -> tuple[str, datetime]:
    """Check a solution (the widget's base64 payload); return its signature and expiry.

    ValidationFailed naming `altcha` when it is missing, forged, wrong or expired.
    """
    from altcha import PayloadV1, extract_params_v1, verify_solution_v1

    if not payload:
        raise _fail(MISSING)
    try:
        solution = PayloadV1.from_base64(payload).to_dict()
        expires = int(extract_params_v1(solution)["expires"][0])
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        raise _fail(INVALID) from None
    # Expiry by the app's clock (the library's own check reads the wall clock).
    if not any(
        verify_solution_v1(solution, _key(k), check_expires=False)[0] for k in signing.keys()
    ):
        raise _fail(INVALID)
    until = datetime.fromtimestamp(expires, UTC)
    if until <= now:
        raise _fail(EXPIRED)
    return str(solution["signature"]), until


def spend(payload: str, now: datetime) -> None:
    """Check a solution and mark it used, in the caller's transaction (the booking's): a second
    booking with it, even at the same moment, gets ValidationFailed (`altcha`)."""
    signature, until = check(payload, now)
    db.session.execute(delete(UsedChallenge).where(UsedChallenge.expires_at <= now))
    try:
        with db.session.begin_nested():
            db.session.add(UsedChallenge(signature=signature, expires_at=until))
    except IntegrityError:
        raise _fail(USED) from None
