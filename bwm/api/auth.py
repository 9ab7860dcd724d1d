"""Bearer tokens for the organizer side of the API."""

from functools import wraps

from flask import g, jsonify, request

from ..services.organizers import user_for_token


def token_required(view):
    """Let the view run only with a valid 'Authorization: Bearer' token; 401 otherwise."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            response = jsonify({"error": "a valid API token is required"})
            response.status_code = 401
            response.headers["WWW-Authenticate"] = 'Bearer realm="bwm"'
            return response
        g.api_user = user
        return view(*args, **kwargs)

    return wrapped
