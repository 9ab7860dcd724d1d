from flask import Blueprint

bp = Blueprint("attendee", __name__)

from . import links, shares, views  # noqa: E402, F401
