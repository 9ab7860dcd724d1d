"""Bearer tokens for the organizer side of the API."""

from functools import wraps

from flask import g, jsonify, request

from ..extensions import db
from ..services.organizers import api_token_for, note_token_use
from ..web import now


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

    return wrapped
