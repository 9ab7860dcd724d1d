from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import invites, operations, views  # noqa: E402, F401
