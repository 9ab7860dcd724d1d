"""The organizer's bookings as a spreadsheet: GET /me/bookings.csv (the API's filters)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import request
from flask_login import current_user

from ..schemas import load
from ..schemas.bookings import BookingsQuery
from ..services import exports
from ..web import csv_response
from .blueprint import bp


@bp.get("/bookings.csv")
def bookings_csv():
    """Every booking (or those of ?from, ?to, ?status) with one column per question."""
    query = load(BookingsQuery, request.args.to_dict())  # a bad one: the 422 page
    found = exports.find_bookings(current_user, query)
    tz = ZoneInfo(current_user.page.timezone)
    return csv_response(exports.bookings_csv(found, tz), "bookings.csv")
