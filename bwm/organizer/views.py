"""The organizer's view under /me: the sign-in every page needs, and the dashboard.

Each feature has its own module beside this one: pages (the booking page's settings),
meeting_types, busy, bookings, calendars, links, shares, sharing, account.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..domain.week import Meeting, week, window
from ..extensions import db
from ..models import Booking
from ..services.calendars import list_calendars
from ..web import now
from .blueprint import bp
from .requests import requests_context


@bp.before_request
@login_required
def require_login():
    """Every page under /me is for a signed-in organizer."""


@bp.get("/")
def dashboard():
    """Open on the organizer's week (requests to answer first), then their page and types;
    with nothing yet, say what to do next."""
    page = current_user.page
    tz = ZoneInfo(page.timezone)
    current = now()
    today = current.astimezone(tz).date()
    first, last = window(today, tz)
    found = list(
        db.session.scalars(
            select(Booking)
            .where(
                Booking.user_id == current_user.id,
                Booking.status.in_(("confirmed", "pending")),
                Booking.end > current,
                Booking.start < last,
            )
            .options(selectinload(Booking.meeting_type))
            .order_by(Booking.start, Booking.id)
        )
    )
    later = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.user_id == current_user.id,
            Booking.status.in_(("confirmed", "pending")),
            Booking.start >= last,
        )
    )
    meetings = (Meeting(b.start, b.end, b, b.status == "pending") for b in found)
    return render_template(
        "organizer/dashboard.html",
        page=page,
        days=week(meetings, today, tz),
        today=today,
        later=later,
        has_calendars=bool(list_calendars(current_user.id)),
        **requests_context("dashboard"),
    )
