from flask import Blueprint

bp = Blueprint("organizer", __name__, url_prefix="/me")

from . import calendars, links, sharing, views  # noqa: E402, F401
