"""The organizer's view under /me: the sign-in every page needs, and the dashboard.

Each feature has its own module beside this one: pages (the booking page's settings),
meeting_types, busy, bookings, calendars, links, shares, sharing, account.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import render_template
from flask_login import current_user, login_required

from ..extensions import db
from ..web import now
from .blueprint import bp
from .bookings import booking_row, bookings_query
from .requests import requests_context

DASHBOARD_BOOKINGS = 5


@bp.before_request
@login_required
def require_login():
    """Every page under /me is for a signed-in organizer."""


@bp.get("/")
def dashboard():
    """Show the organizer's page link, meeting types and next bookings at a glance."""
    page = current_user.page
    tz = ZoneInfo(page.timezone)
    upcoming = db.session.scalars(bookings_query("upcoming", now()).limit(DASHBOARD_BOOKINGS))
    return render_template(
        "organizer/dashboard.html",
        page=page,
        next_bookings=[booking_row(booking, tz) for booking in upcoming],
        **requests_context("dashboard"),
    )
