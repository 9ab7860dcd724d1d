"""Bearer tokens for the organizer side of the API."""

from functools import wraps

from flask import abort, g, jsonify, request

from ..extensions import db
from ..schemas.common import ErrorOut
from ..services import audit
from ..services.organizers import api_token_for, note_token_use
from ..web import now
from .blueprint import bp

BEARER = [{"bearer": []}]


def token_required(view):
    """Let the view run only with a valid 'Authorization: Bearer' token; 401 otherwise."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        row = api_token_for(token.strip()) if scheme.lower() == "bearer" else None
        if row is None:
            response = jsonify({"error": "a valid API token is required"})
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="bwm"'
            return response
        # The last use shows on /me/account; committed on its own, whatever the view then does.
        if note_token_use(row, now=now()):
            db.session.commit()
        g.api_user = row.user
        return view(*args, **kwargs)

    documented = bp.doc(security=BEARER)(wrapped)
    return bp.alt_response(401, schema=ErrorOut, description="no valid API token")(documented)


def admin_token_required(view):
    """Let the view run only with an administrator's token: 401 without one, 403 for others."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not g.api_user.is_admin:
            abort(403, description="an administrator's API token is required")
        audit.acting_as(g.api_user)
        return view(*args, **kwargs)

    forbidden = bp.alt_response(403, schema=ErrorOut, description="not an administrator")
    return token_required(forbidden(wrapped))
