from flask import Blueprint

bp = Blueprint("organizer", __name__, url_prefix="/me")

from . import account, calendars, links, policy, shares, sharing, views  # noqa: E402, F401
