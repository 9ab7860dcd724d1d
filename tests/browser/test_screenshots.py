"""The README's screenshots (docs/screenshots/), made here on every run so they never go stale:
the attendee flow and the organizer's week, light and dark, desktop and phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.steps import login, pick_day
from tests.helpers import next_weekday

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
# A fixed Wednesday: the pictures change only when the pages do.
WEDNESDAY = datetime(2027, 1, 13, 8, 0, tzinfo=UTC)
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}


@pytest.fixture
def organizer(make_user, make_token, live):
    user = make_user(
        email="ann@example.com", name="Ann Andersson", slug="ann", timezone="Europe/Stockholm"
    )
    looks = {"brand_color": "#1e6b34", "banner": "meadow", "welcome": "Pick a time that suits you."}
    answer = (
        live["app"]
        .test_client()
        .patch("/api/v1/me/page", json=looks, headers=make_token(user["id"]))
    )
    assert answer.status_code == 200, answer.text
    return user


def book(page, base: str, day, name: str) -> None:
    page.goto(f"{base}/b/ann/30-minute-meeting?tz=Europe/Stockholm&month={day:%Y-%m}&date={day}")
    page.locator(".times a").first.click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(f"{name.split()[0].lower()}@example.org")
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_screenshots_of_the_flow_and_the_week(live, organizer, browser, clock, scheme, size):
    clock.now = WEDNESDAY
    base = live["base"]
    DOCS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport=SIZES[size], color_scheme=scheme, timezone_id="Europe/Stockholm"
    )
    page = context.new_page()

    def shot(name: str) -> None:
        path = DOCS / f"{name}-{size}-{scheme}.png"
        page.screenshot(path=str(path), full_page=size == "phone")
        assert path.stat().st_size > 1000

    page.goto(f"{base}/b/ann")
    shot("page")
    page.goto(f"{base}/b/ann/30-minute-meeting?tz=Europe/Stockholm")
    pick_day(page, next_weekday(4, at_least=1, today=clock.now.date()))
    expect(page.locator(".times a").first).to_be_visible()
    shot("picker")
    thursday = next_weekday(3, at_least=1, today=clock.now.date())
    book(page, base, next_weekday(4, at_least=1, today=clock.now.date()), "Nina Nilsson")
    shot("confirmation")
    book(page, base, thursday, "Olle Olsson")
    login(page, base, organizer)
    expect(page.locator("#week")).to_contain_text("Nina Nilsson")
    shot("week")
    context.close()
