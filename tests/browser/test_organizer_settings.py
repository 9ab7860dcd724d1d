"""The organizer's side in a real browser: a public type made in the UI, the page taken offline
and back, the organizer's own language; an attendee in New York books and each gets their email
in their own language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.steps import and_preview, login, pick_day
from tests.helpers import next_weekday

TITLE = "Intro call"


@pytest.fixture
def organizer(make_user):
    return make_user(
        email="eva@example.com", name="Eva Egeland", slug="eva", timezone="Europe/Stockholm"
    )


def _set_published(org, base, on: bool, shots, name: str) -> None:
    org.goto(f"{base}/me/page")
    published = org.get_by_label("Published: people with the link can book")
    published.check() if on else published.uncheck()
    shots(org, name)
    org.get_by_role("button", name="Save").first.click()
    expect(org.get_by_text("Your booking page is saved.")).to_be_visible()
    expect(org.get_by_label("Published: people with the link can book")).to_be_checked(checked=on)


def test_organizer_makes_a_public_type_takes_the_page_offline_and_back_and_works_in_swedish(
    live, organizer, browser, shots, js_errors, clock
):
    # January: New York is 6 hours behind Stockholm.
    clock.now = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
    base, sink = live["base"], live["sink"]
    org = js_errors(browser.new_context(timezone_id="Europe/Stockholm").new_page())
    login(org, base, organizer)
    shots(org, "dashboard")

    # A public meeting type, made in the UI.
    org.goto(f"{base}/me/types/new")
    expect(org.get_by_role("heading", name="New meeting type")).to_be_visible()
    title = org.get_by_label("Title", exact=True)
    duration = org.get_by_label("Duration (minutes)")
    and_preview(org, lambda: title.fill(TITLE))
    and_preview(org, lambda: title.press("Tab"))
    and_preview(org, lambda: duration.fill("20"))
    and_preview(org, lambda: duration.press("Tab"))
    expect(org.get_by_label("Public: listed on the booking page")).to_be_checked()
    expect(org.locator("#preview")).not_to_contain_text("Fix the errors")
    shots(org, "new-public-type")
    org.get_by_role("button", name="Save", exact=True).click()
    expect(org).to_have_url(re.compile(r"/me/types$"))
    row = org.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("20 minutes")
    expect(row).to_contain_text("Public")
    shots(org, "types")

    # The attendee sees it on the public page.
    context = browser.new_context(timezone_id="America/New_York")
    attendee = js_errors(context.new_page())
    assert attendee.goto(f"{base}/b/eva").status == 200
    expect(attendee.get_by_role("link", name=TITLE)).to_be_visible()
    shots(attendee, "public-page")

    # Unpublished: the page and the type answer "not found" (a page of its own, not watched
    # for console errors, as the browser logs every 404 it loads).
    _set_published(org, base, False, shots, "unpublishing")
    shots(org, "unpublished")
    gone = context.new_page()
    for url in (f"{base}/b/eva", f"{base}/b/eva/intro-call"):
        assert gone.goto(url).status == 404, url
        expect(gone.get_by_role("heading", name="Page not found")).to_be_visible()
        expect(gone.get_by_text("does not exist or is not available")).to_be_visible()
        expect(gone.get_by_role("link", name=TITLE)).to_have_count(0)
    shots(gone, "page-gone")
    gone.close()

    # Published again: back as it was.
    _set_published(org, base, True, shots, "republishing")
    assert attendee.goto(f"{base}/b/eva").status == 200
    expect(attendee.get_by_role("link", name=TITLE)).to_be_visible()
    shots(attendee, "page-back")

    # The organizer works in Swedish from now on: their pages and their emails.
    org.goto(f"{base}/me/page")
    expect(org.get_by_label("Your language")).to_have_value("en")
    org.get_by_label("Your language").select_option(label="Svenska")
    shots(org, "language")
    org.get_by_role("button", name="Save").first.click()
    expect(org.locator("html")).to_have_attribute("lang", "sv")
    expect(org.get_by_text("Din bokningssida har sparats.")).to_be_visible()
    expect(org.get_by_role("heading", name="Bokningssida", exact=True)).to_be_visible()
    expect(org.get_by_label("Ditt språk")).to_have_value("sv")
    shots(org, "in-swedish")
    org.get_by_role("link", name="Mötestyper").click()
    expect(org.locator("html")).to_have_attribute("lang", "sv")
    expect(org.get_by_role("row").filter(has_text=TITLE)).to_contain_text("20 minuter")
    shots(org, "types-in-swedish")

    # The attendee, in New York with an English browser, books the public type in English.
    attendee.get_by_role("link", name=TITLE).click()
    expect(attendee.locator("html")).to_have_attribute("lang", "en")
    expect(attendee.locator("#tz")).to_have_value("America/New_York")
    expect(attendee.locator("#picker")).to_contain_text("America/New York")
    pick_day(attendee, next_weekday(1, today=clock.now.date()))
    times = attendee.locator(".times a")
    expect(times.first).to_be_visible()
    # 09:00 in Stockholm is 03:00 in New York.
    assert times.first.inner_text().strip() == "03:00"
    shots(attendee, "times")
    times.first.click()
    attendee.get_by_label("Name").fill("Nina New York")
    attendee.get_by_label("Email").fill("nina@example.org")
    shots(attendee, "form")
    attendee.get_by_role("button", name="Book").click()
    expect(attendee.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()
    shots(attendee, "confirmed")

    assert sink.wait_for(2)
    subjects = {str(m["To"]): str(m["Subject"]).strip() for m in sink.messages}
    assert subjects["nina@example.org"].startswith(f"Booked: {TITLE} with Eva Egeland, ")
    assert subjects["eva@example.com"].startswith(f"Bokat: {TITLE} med Nina New York, ")

    # The booking shows in the organizer's list, in Swedish.
    org.get_by_role("link", name="Bokningar").click()
    expect(org.get_by_role("row").filter(has_text="Nina New York")).to_contain_text(TITLE)
    shots(org, "bookings-in-swedish")
    context.close()
    assert js_errors.errors == []
