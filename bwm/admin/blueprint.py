"""The admin blueprint: the administrator's pages under /admin.

The view modules import bp from here; the package's __init__ imports them.
"""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
