"""Booking questions in a real browser: the organizer adds and orders them in the type editor
(htmx swaps the list in place), an attendee answers them (a missing answer is named beside its
field), and the organizer reads the answers on the booking's page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.steps import login, pick_day
from tests.helpers import next_weekday


@pytest.fixture
def organizer(make_user):
    return make_user(email="eva@example.com", name="Eva", slug="eva", timezone="Europe/Stockholm")


def test_questions_are_asked_answered_and_read(live, organizer, browser, shots, js_errors, clock):
    clock.now = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
    base = live["base"]
    org = js_errors(browser.new_context(timezone_id="Europe/Stockholm").new_page())
    login(org, base, organizer)
    org.goto(f"{base}/me/types")
    org.get_by_role("row").filter(has_text="30 minute meeting").get_by_role(
        "link", name=re.compile("Edit")
    ).first.click()

    # Two questions, added with htmx: the page stays put, only the list is swapped.
    org.evaluate("window.notReloaded = true")
    add = org.get_by_role("button", name="Add a question")
    with org.expect_response(lambda r: r.url.endswith("/questions")):
        add.click()
    org.get_by_label("Question (question 1)").fill("Company")
    with org.expect_response(lambda r: r.url.endswith("/questions")):
        org.get_by_role("button", name="Add a question").click()
    org.get_by_label("Question (question 2)").fill("What should we talk about?")
    org.get_by_label("Kind of answer (question 2)").select_option("textarea")
    org.get_by_label("An answer is required (question 2)").check()
    with org.expect_response(lambda r: r.url.endswith("/questions")):
        org.get_by_role("button", name="Move up (question 2)").click()
    expect(org.get_by_label("Question (question 1)")).to_have_value("What should we talk about?")
    assert org.evaluate("window.notReloaded") is True
    shots(org, "questions-in-the-editor")
    org.get_by_role("button", name="Save", exact=True).click()
    expect(org).to_have_url(re.compile(r"/me/types$"))

    # The attendee answers them, after name, email and note.
    guest = js_errors(browser.new_context(timezone_id="Europe/Stockholm").new_page())
    guest.goto(f"{base}/b/eva/30-minute-meeting")
    pick_day(guest, next_weekday(0, today=clock.now.date()))
    guest.locator("#picker .times a").first.click()
    expect(guest.get_by_label("Name")).to_be_visible()
    # The honeypot is off screen, out of the tab order: not one of them.
    fields = guest.locator("form.card").locator(
        ":is(input, textarea, select):not([tabindex='-1']):visible"
    )
    ids = [fields.nth(i).get_attribute("id") for i in range(fields.count())]
    assert ids == ["name", "email", "note", "answer-what-should-we-talk-about", "answer-company"]
    guest.get_by_label("Name").fill("Anna")
    guest.get_by_label("Email").fill("anna@example.org")
    guest.get_by_label("Company (optional)").fill("Acme")
    guest.get_by_role("button", name="Book").click()
    topic = guest.get_by_label("What should we talk about?")
    expect(topic).to_have_attribute("aria-invalid", "true")
    expect(guest.locator("#answer-what-should-we-talk-about-error")).to_have_text("is required")
    expect(guest.get_by_label("Company (optional)")).to_have_value("Acme")
    shots(guest, "a-missing-answer")
    topic.fill("The spring campaign")
    guest.get_by_role("button", name="Book").click()
    expect(guest.get_by_role("heading", name="Your booking is confirmed")).to_be_visible()

    # The organizer reads them.
    org.goto(f"{base}/me/bookings")
    org.get_by_role("link", name=re.compile("Anna")).first.click()
    details = org.locator("#booking-details")
    expect(details).to_contain_text("What should we talk about?")
    expect(details).to_contain_text("The spring campaign")
    expect(details).to_contain_text("Acme")
    shots(org, "answers-in-the-booking")
    # The form sent back with its messages is a 422, which the console reports; nothing else.
    assert [e for e in js_errors.errors if "status of 422" not in e] == []
