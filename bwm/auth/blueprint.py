"""The auth blueprint: signing in and out, password resets, email confirmations.

The view modules import bp from here; the package's __init__ imports them.
"""

from flask import Blueprint

bp = Blueprint("auth", __name__)
