"""Speed (SPEC §12): an attendee's first visit transfers at most 60 KB (HTML, CSS, JS, all
compressed), nothing from another origin, and the next page's files come from the cache."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.helpers import next_weekday

BUDGET = 60 * 1024


@pytest.fixture
def organizer(make_user):
    return make_user(
        email="sam@example.com", name="Sam Speed", slug="sam", timezone="Europe/Stockholm"
    )


class Transfers:
    """What a page's requests transferred over the network (headers and encoded bodies)."""

    def __init__(self, page) -> None:
        self.requests = []
        page.on("requestfinished", lambda request: self.requests.append(request))

    def reset(self) -> None:
        self.requests.clear()

    def total(self) -> int:
        total = 0
        for request in self.requests:
            sizes = request.sizes()
            total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        return total

    def origins(self) -> set[str]:
        return {urlsplit(r.url).netloc for r in self.requests}


def test_the_first_visit_of_the_attendee_flow_fits_the_budget(live, organizer, browser):
    base = live["base"]
    context = browser.new_context(timezone_id="Europe/Stockholm")
    page = context.new_page()
    seen = Transfers(page)
    measured = {}

    page.goto(f"{base}/b/sam")
    page.wait_for_load_state("networkidle")
    measured["page"] = seen.total()

    # A first visit straight to a meeting type (a link in a signature), in a fresh browser.
    fresh = browser.new_context(timezone_id="Europe/Stockholm")
    straight = fresh.new_page()
    direct = Transfers(straight)
    straight.goto(f"{base}/b/sam/30-minute-meeting")
    straight.wait_for_load_state("networkidle")
    measured["type"] = direct.total()

    # On through the flow: the files are cached, only pages travel.
    day = next_weekday(1)
    straight.goto(
        f"{base}/b/sam/30-minute-meeting?tz=Europe/Stockholm&month={day:%Y-%m}&date={day}"
    )
    straight.locator(".times a").first.click()
    straight.get_by_label("Name").fill("Vera Visitor")
    straight.get_by_label("Email").fill("vera@example.org")
    straight.get_by_role("button", name="Book").click()
    expect(straight.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()
    straight.wait_for_load_state("networkidle")
    measured["flow"] = direct.total()
    print("bytes transferred:", measured)
    assert measured["page"] <= BUDGET, measured
    assert measured["type"] <= BUDGET, measured
    assert measured["flow"] <= BUDGET, measured
    assert seen.origins() | direct.origins() == {urlsplit(base).netloc}
    context.close()
    fresh.close()
