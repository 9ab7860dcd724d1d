"""The organizer blueprint: the signed-in organizer's pages under /me.

The view modules import bp from here; the package's __init__ imports them.
"""

from flask import Blueprint

bp = Blueprint("organizer", __name__, url_prefix="/me")
