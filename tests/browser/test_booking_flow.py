"""The whole path in a real browser: organizer sets up, an attendee elsewhere books."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.steps import login
from tests.helpers import next_weekday

# January: Stockholm is 6 hours ahead of New York and 4 h 30 behind Kolkata.
JANUARY = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)


@pytest.fixture
def organizer(make_user):
    return make_user(
        email="bo@example.com", name="Bo Browser", slug="bo", timezone="Europe/Stockholm"
    )


def test_organizer_sets_hours_and_an_attendee_in_new_york_books(
    live, organizer, browser, shots, js_errors, clock
):
    clock.now = JANUARY
    base = live["base"]
    org = js_errors(browser.new_context(timezone_id="Europe/Stockholm").new_page())
    login(org, base, organizer)
    shots(org, "dashboard")
    org.goto(f"{base}/me/page")
    # Monday: 10:00-12:00 and, added without a reload, 13:00-15:00.
    monday = org.get_by_role("group", name="Monday")
    monday.locator("input[type=time]").nth(0).fill("10:00")
    monday.locator("input[type=time]").nth(1).fill("12:00")
    monday.get_by_role("button", name=re.compile("Add window")).click()
    expect(monday.locator("input[type=time]")).to_have_count(4)
    monday.locator("input[type=time]").nth(2).fill("13:00")
    monday.locator("input[type=time]").nth(3).fill("15:00")
    shots(org, "hours")
    org.get_by_role("button", name="Save").first.click()
    expect(org.get_by_text("saved")).to_be_visible()

    attendee = js_errors(browser.new_context(timezone_id="America/New_York").new_page())
    day = next_weekday(0, today=clock.now.date())
    attendee.goto(f"{base}/b/bo")
    shots(attendee, "page")
    attendee.get_by_role("link", name="30 minute meeting").click()
    # The browser's zone is detected and the picker follows it.
    expect(attendee.locator("#tz")).to_have_value("America/New_York")
    # Wait for the picker that htmx fetched for the detected zone to replace the first one.
    expect(attendee.locator("#picker")).to_contain_text("America/New York")
    month = day.strftime("%B %Y")
    while attendee.locator("#month-heading").inner_text() != month:
        attendee.get_by_role("link", name=re.compile("Next month")).click()
    attendee.get_by_role(
        "link",
        name=re.compile(
            rf"{day.strftime('%A')}, {day.strftime('%B')} "
            rf"{day.day},"
        ),
    ).click()
    times = attendee.locator(".times a")
    expect(times.first).to_be_visible()
    labels = [t.strip() for t in times.all_inner_texts()]
    # 10:00-12:00 and 13:00-15:00 in Stockholm are 04:00-06:00 and 07:00-09:00 in New York.
    assert len(labels) == 8
    assert labels[0] == "04:00"
    shots(attendee, "times")
    times.first.click()
    attendee.get_by_label("Name").fill("Nina New York")
    attendee.get_by_label("Email").fill("nina@example.org")
    attendee.get_by_label("Note").fill("Looking forward")
    shots(attendee, "form")
    attendee.get_by_role("button", name="Book").click()
    expect(attendee.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()
    expect(attendee.get_by_text("America/New York").first).to_be_visible()
    shots(attendee, "confirmed")
    assert live["sink"].wait_for(2)

    # Reschedule and cancel from the manage link.
    attendee.get_by_role("link", name="Reschedule").click()
    expect(attendee.locator("#picker")).to_contain_text("America/New York")
    attendee.get_by_role(
        "link",
        name=re.compile(
            rf"{day.strftime('%A')}, {day.strftime('%B')} "
            rf"{day.day},"
        ),
    ).click()
    attendee.locator(".times a").last.click()
    attendee.get_by_role("button", name="Move booking").click()
    expect(attendee.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()
    shots(attendee, "rescheduled")
    attendee.get_by_label("Reason (optional)").fill("Something came up")
    attendee.get_by_role("button", name="Cancel booking").click()
    expect(attendee.get_by_role("heading", name=re.compile("cancelled"))).to_be_visible()
    shots(attendee, "cancelled")
    assert live["sink"].wait_for(6)
    assert js_errors.errors == []


def test_booking_works_with_javascript_disabled(live, organizer, browser, shots, clock):
    clock.now = JANUARY
    context = browser.new_context(java_script_enabled=False, timezone_id="Asia/Kolkata")
    page = context.new_page()
    day = next_weekday(1, today=clock.now.date())
    page.goto(
        f"{live['base']}/b/bo/30-minute-meeting?tz=Asia/Kolkata"
        f"&month={day:%Y-%m}&date={day.isoformat()}"
    )
    times = page.locator(".times a")
    expect(times.first).to_be_visible()
    # 09:00 in Stockholm is 13:30 in Kolkata.
    assert times.first.inner_text().strip() == "13:30"
    times.first.click()
    page.get_by_label("Name").fill("Kiran")
    page.get_by_label("Email").fill("kiran@example.org")
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()
    shots(page, "confirmed-without-js")
    # Changing the zone works as a plain form too.
    page.goto(f"{live['base']}/b/bo/30-minute-meeting")
    page.locator("#tz").select_option("America/New_York")
    page.get_by_role("button", name="Show times").click()
    expect(page).to_have_url(re.compile(r"tz=America%2FNew_York|tz=America/New_York"))
