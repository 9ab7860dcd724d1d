"""More of the whole product in a real browser: private types and single-use links, Swedish."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.steps import and_preview, login, pick_day
from tests.helpers import next_weekday

TITLE = "Private consultation"


@pytest.fixture
def organizer(make_user):
    return make_user(
        email="pia@example.com", name="Pia Private", slug="pia", timezone="Europe/Stockholm"
    )


def _create_private_type_and_link(browser, live, organizer, shots, js_errors) -> str:
    """Through the organizer's UI: make a private type, then a single-use link; return its URL."""
    base = live["base"]
    org = js_errors(browser.new_context(timezone_id="Europe/Stockholm").new_page())
    login(org, base, organizer)
    org.goto(f"{base}/me/types/new")
    expect(org.get_by_role("heading", name="New meeting type")).to_be_visible()
    # The preview follows each edit (htmx, hx-sync="this:replace"): let each of its requests
    # finish before the next edit, so none is cut off halfway (htmx logs that as an error).
    title = org.get_by_label("Title", exact=True)
    duration = org.get_by_label("Duration (minutes)")
    and_preview(org, lambda: title.fill(TITLE))  # input, after a pause
    and_preview(org, lambda: title.press("Tab"))  # change
    and_preview(org, lambda: duration.fill("45"))
    and_preview(org, lambda: duration.press("Tab"))
    and_preview(org, lambda: org.get_by_label("Private: only through a private link").check())
    expect(org.locator("#preview")).not_to_contain_text("Fix the errors")
    shots(org, "new-type")
    org.get_by_role("button", name="Save", exact=True).click()
    expect(org).to_have_url(re.compile(r"/me/types$"))

    row = org.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("45 minutes")
    expect(row).to_contain_text("Private")
    expect(row).to_contain_text("Only through a private link")
    shots(org, "types")

    row.get_by_role("link", name=re.compile("Private links")).click()
    expect(org).to_have_url(re.compile(r"/me/types/\d+/links$"))
    expect(org.get_by_role("heading", name=re.compile(TITLE))).to_be_visible()
    expect(org.get_by_text("No links yet.")).to_be_visible()
    org.get_by_label("Single use: the link works for one booking only").check()
    org.get_by_role("button", name="Make link").click()
    expect(org.get_by_text(re.compile(r"New link: "))).to_be_visible()
    links = org.locator("tbody tr")
    expect(links).to_have_count(1)
    expect(links.first).to_contain_text("Single use")
    expect(links.first).to_contain_text("Active")
    url = links.first.locator("code.link-url").inner_text().strip()
    assert re.fullmatch(rf"{re.escape(base)}/p/\S+", url), url
    # The copy button carries the same URL, and the flash message shows it too.
    copy = links.first.get_by_role("button", name="Copy link")
    assert copy.get_attribute("data-copy") == url
    expect(org.get_by_text(f"New link: {url}")).to_be_visible()
    shots(org, "links")
    org.context.close()
    return url


def test_organizer_creates_a_private_type_and_a_single_use_link(
    live, organizer, browser, shots, js_errors
):
    url = _create_private_type_and_link(browser, live, organizer, shots, js_errors)
    assert "/p/" in url

    # The private type is not on the public booking page; the starter types are.
    context = browser.new_context(timezone_id="Europe/Stockholm")
    attendee = js_errors(context.new_page())
    attendee.goto(f"{live['base']}/b/{organizer['slug']}")
    expect(attendee.get_by_role("link", name="30 minute meeting")).to_be_visible()
    expect(attendee.locator("main")).not_to_contain_text(TITLE)
    assert attendee.get_by_text(TITLE).count() == 0
    shots(attendee, "public-page")
    context.close()
    assert js_errors.errors == []


def test_a_single_use_link_books_once_and_is_refused_the_second_time(
    live, organizer, browser, shots, js_errors
):
    url = _create_private_type_and_link(browser, live, organizer, shots, js_errors)
    context = browser.new_context(timezone_id="Asia/Tokyo")
    attendee = js_errors(context.new_page())
    response = attendee.goto(url)
    assert response.status == 200
    expect(attendee.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(attendee.locator("#tz")).to_have_value("Asia/Tokyo")
    expect(attendee.locator("#picker")).to_contain_text("Asia/Tokyo")
    shots(attendee, "link-page")
    pick_day(attendee, next_weekday(1))
    times = attendee.locator(".times a")
    expect(times.first).to_be_visible()
    shots(attendee, "link-times")
    times.first.click()
    attendee.get_by_label("Name").fill("Taro Tokyo")
    attendee.get_by_label("Email").fill("taro@example.org")
    shots(attendee, "link-form")
    attendee.get_by_role("button", name="Book").click()
    expect(attendee.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()
    expect(attendee.get_by_text(TITLE).first).to_be_visible()
    shots(attendee, "link-confirmed")

    again = context.new_page()
    response = again.goto(url)
    assert response.status == 410
    expect(again.get_by_text("This link has already been used.")).to_be_visible()
    expect(again.get_by_role("button", name="Book")).to_have_count(0)
    shots(again, "link-used")
    assert live["sink"].wait_for(2)
    context.close()
    assert js_errors.errors == []


def test_an_attendee_books_in_swedish(live, organizer, browser, shots, js_errors):
    base = live["base"]
    context = browser.new_context(timezone_id="Europe/Stockholm", locale="sv-SE")
    attendee = js_errors(context.new_page())
    attendee.goto(f"{base}/b/{organizer['slug']}/30-minute-meeting?lang=sv")
    expect(attendee.locator("html")).to_have_attribute("lang", "sv")
    expect(attendee.locator("#tz")).to_have_value("Europe/Stockholm")
    expect(attendee.locator("#picker")).to_contain_text("Europe/Stockholm")
    expect(attendee.locator("#picker a[rel=next]")).to_contain_text("Nästa månad")
    shots(attendee, "sv-page")
    pick_day(attendee, next_weekday(2))
    times = attendee.locator(".times a")
    expect(times.first).to_be_visible()
    assert times.first.inner_text().strip() == "09:00"
    shots(attendee, "sv-times")
    times.first.click()
    expect(attendee.locator("html")).to_have_attribute("lang", "sv")
    attendee.get_by_label("Namn", exact=True).fill("Sven Svensson")
    attendee.get_by_label("E-post", exact=True).fill("sven@example.org")
    attendee.get_by_label("Meddelande", exact=True).fill("Vi ses!")
    shots(attendee, "sv-form")
    attendee.get_by_role("button", name="Boka", exact=True).click()
    expect(attendee.get_by_role("heading", name="Din bokning är bekräftad")).to_be_visible()
    expect(attendee.locator("html")).to_have_attribute("lang", "sv")
    shots(attendee, "sv-confirmed")

    assert live["sink"].wait_for(2)
    to_sven = [m for m in live["sink"].messages if "sven@example.org" in str(m["To"])]
    assert len(to_sven) == 1
    # A long subject is folded right after "Subject:", so the parsed value starts with a space.
    assert (
        str(to_sven[0]["Subject"]).strip().startswith("Bokat: 30 minute meeting med Pia Private, ")
    )
    context.close()
    assert js_errors.errors == []
