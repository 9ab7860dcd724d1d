"""The attendee blueprint: booking pages, private links, shared calendars, managing a booking.

The view modules import bp from here; the package's __init__ imports them.
"""

from flask import Blueprint

bp = Blueprint("attendee", __name__)
