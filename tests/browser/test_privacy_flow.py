"""SPEC §11 in a real browser: the proof-of-work check solved by the vendored widget under our
Content-Security-Policy, the honeypot out of sight, and the email check from the emailed link."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import soup
from tests.servers import serve
from tests.test_booking import monday_at

BOOK = "/b/olga/30-minute-meeting/book"


@pytest.fixture
def organizer(make_user):
    return make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )


@pytest.fixture
def pow_live(make_app, smtp_sink, clock):
    app = make_app(
        worker=True,
        MAIL_SERVER=smtp_sink.host,
        MAIL_PORT=smtp_sink.port,
        BASE_URL=None,
        WTF_CSRF_ENABLED=True,
        CLOCK=clock,
        BOT_CHECK="pow",
        BOT_CHECK_MAX_NUMBER=5000,
    )
    with serve(app) as base:
        yield {"app": app, "base": base}


def form_url(base: str) -> str:
    return f"{base}{BOOK}?start={quote(monday_at(10).isoformat())}&tz=Europe/Stockholm"


def test_the_widget_solves_the_check_and_the_booking_goes_through(
    pow_live, organizer, browser, js_errors, shots
):
    page = js_errors(browser.new_context(timezone_id="Europe/Stockholm").new_page())
    origins = set()
    page.on("request", lambda r: origins.add(urlsplit(r.url).netloc))
    page.goto(form_url(pow_live["base"]))
    # Solved as the page opens: the widget's own field carries the answer.
    answer = page.locator("altcha-widget input[name=altcha]")
    expect(answer).not_to_have_value("", timeout=30000)
    expect(page.get_by_text("Checked: you are not a robot")).to_be_visible()
    # The honeypot is there but out of sight and out of the tab order.
    trap = page.locator("input[name=website]")
    box = trap.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0  # off screen
    assert trap.get_attribute("tabindex") == "-1"
    shots(page, "checked")
    page.get_by_label("Name").fill("Anna Attendee")
    page.get_by_label("Email").fill("anna@example.org")
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()
    assert origins == {urlsplit(pow_live["base"]).netloc}  # no third party
    assert js_errors.errors == []


def test_the_checked_form_has_no_serious_violations(pow_live, organizer, browser):
    from tests.browser.test_accessibility import serious_violations

    context = browser.new_context(timezone_id="Europe/Stockholm", bypass_csp=True)
    page = context.new_page()
    page.goto(form_url(pow_live["base"]))
    expect(page.locator("altcha-widget input[name=altcha]")).not_to_have_value("", timeout=30000)
    assert serious_violations(page) == []
    context.close()


def test_without_javascript_the_form_says_the_check_needs_it(pow_live, organizer, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(form_url(pow_live["base"]))
    expect(page.locator("#bot-check-needs-js")).to_be_visible()
    page.get_by_label("Name").fill("Anna Attendee")
    page.get_by_label("Email").fill("anna@example.org")
    page.get_by_role("button", name="Book").click()
    expect(page.locator("#altcha-error")).to_contain_text("wait for the check")
    context.close()


def test_the_email_check_from_the_link(live, organizer, browser, js_errors, shots, make_token):
    client = live["app"].test_client()
    made = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Checked", "slug": "checked", "duration_minutes": 30, "verify_email": True},
        headers=make_token(organizer["id"]),
    )
    assert made.status_code == 201, made.text
    page = js_errors(browser.new_context(timezone_id="Europe/Stockholm").new_page())
    start = quote(monday_at(10).isoformat())
    page.goto(f"{live['base']}/b/olga/checked/book?start={start}&tz=Europe/Stockholm")
    expect(page.locator("#needs-email-check")).to_be_visible()
    page.get_by_label("Name").fill("Anna Attendee")
    page.get_by_label("Email").fill("anna@example.org")
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_role("heading", name=re.compile("Check your email"))).to_be_visible()
    shots(page, "check-your-email")

    assert live["sink"].wait_for(1, timeout=30)
    (message,) = live["sink"].messages
    html = message.get_body(("html",)).get_content()
    href = soup(html).find("a", string="Confirm your booking")["href"]
    page.goto(f"{live['base']}{urlsplit(href).path}")
    expect(page.get_by_role("heading", name="Confirm your booking")).to_be_visible()
    shots(page, "confirm")
    page.get_by_role("button", name="Confirm my booking").click()
    expect(page.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()
    shots(page, "confirmed")
    assert js_errors.errors == []
