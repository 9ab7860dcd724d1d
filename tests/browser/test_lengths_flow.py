"""A type with several lengths in a real browser: the attendee picks the length first (htmx swaps
the picker), then a day and a time of that length, and books it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from tests.helpers import next_weekday

JANUARY = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)


def test_the_attendee_picks_a_length_then_a_time_and_books_it(
    live, make_user, browser, shots, js_errors, clock
):
    from bwm.extensions import db
    from bwm.models import Booking, User
    from bwm.services import meeting_types

    clock.now = JANUARY
    user = make_user(email="len@example.com", name="Len", slug="len", timezone="Europe/Stockholm")
    with live["app"].app_context():
        meeting_types.create(
            db.session.get(User, user["id"]).page,
            {
                "title": "Talk",
                "slug": "talk",
                "duration_minutes": 30,
                "durations_minutes": [60],
                "slot_step_minutes": 30,
                "hours": {"mon": [["09:00", "11:00"]]},
            },
        )
        db.session.commit()
    base = live["base"]
    tab = js_errors(browser.new_context(timezone_id="Europe/Stockholm").new_page())
    tab.goto(f"{base}/b/len/talk")
    expect(tab.get_by_role("heading", name="How long?")).to_be_visible()
    expect(tab.locator(".calendar")).to_have_count(0)
    shots(tab, "lengths")
    tab.get_by_role("link", name="60 minutes").click()
    expect(tab.locator("#month-heading")).to_be_visible()
    expect(tab).to_have_url(re.compile(r"duration=60"))  # htmx pushed the picker's URL
    expect(tab.get_by_role("link", name="60 minutes")).to_have_attribute("aria-current", "true")
    day = next_weekday(0, today=clock.now.date())
    while tab.locator("#month-heading").inner_text() != day.strftime("%B %Y"):
        tab.get_by_role("link", name=re.compile("Next month")).click()
    tab.get_by_role(
        "link", name=re.compile(rf"{day.strftime('%A')}, {day.strftime('%B')} {day.day},")
    ).click()
    times = tab.locator(".times a[href*='/book']")
    expect(times.first).to_be_visible()
    assert [t.strip() for t in times.all_inner_texts()] == ["09:00", "09:30", "10:00"]
    shots(tab, "times")
    times.last.click()
    tab.get_by_label("Name").fill("Lena Length")
    tab.get_by_label("Email").fill("lena@example.org")
    tab.get_by_role("button", name="Book").click()
    expect(tab.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()
    shots(tab, "booked")
    with live["app"].app_context():
        booking = db.session.scalar(select(Booking).where(Booking.attendee_name == "Lena Length"))
        assert booking.end - booking.start == timedelta(minutes=60)
        assert booking.start.astimezone(UTC).hour == 9  # 10:00 in Stockholm in winter
    assert js_errors.errors == []
