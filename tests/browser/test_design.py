"""The design system (SPEC §12) in a real browser: light and dark with WCAG AA contrast, no
sideways scrolling at 375 px (the confirmation's long manage link wraps), print styles."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers import next_weekday


@pytest.fixture
def organizer(make_user):
    return make_user(
        email="dee@example.com", name="Dee Design", slug="dee", timezone="Europe/Stockholm"
    )


def rgb(css: str) -> tuple[float, float, float]:
    r, g, b = (int(x) for x in re.findall(r"[\d.]+", css)[:3])
    return r, g, b


def luminance(css: str) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(css))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def style(page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(
        f"e => getComputedStyle(e).getPropertyValue('{prop}')"
    )


def book(page, base: str) -> None:
    day = next_weekday(1)
    page.goto(f"{base}/b/dee/30-minute-meeting?tz=Europe/Stockholm&month={day:%Y-%m}&date={day}")
    page.locator(".times a").first.click()
    page.get_by_label("Name").fill("Vera Visitor")
    page.get_by_label("Email").fill("vera@example.org")
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_colours_hold_wcag_aa_in_light_and_dark(live, organizer, browser, scheme, shots):
    context = browser.new_context(color_scheme=scheme, timezone_id="Europe/Stockholm")
    page = context.new_page()
    page.goto(f"{live['base']}/b/dee/30-minute-meeting")
    background = style(page, "body", "background-color")
    assert (luminance(background) < 0.05) is (scheme == "dark")
    for selector in ("h1", "main .muted", "main a"):
        assert contrast(style(page, selector, "color"), background) >= 4.5, selector
    # The picker's days and the chosen day.
    day = page.locator(".calendar a.day").first
    assert (
        contrast(
            day.evaluate("e => getComputedStyle(e).color"),
            day.evaluate("e => getComputedStyle(e).backgroundColor"),
        )
        >= 4.5
    )
    day.click()
    chosen = page.locator('.calendar a.day[aria-current="date"]')
    expect(chosen).to_have_count(1)
    assert (
        contrast(
            chosen.evaluate("e => getComputedStyle(e).color"),
            chosen.evaluate("e => getComputedStyle(e).backgroundColor"),
        )
        >= 4.5
    )
    shots(page, f"type-{scheme}")
    book(page, live["base"])
    card = style(page, ".card", "background-color")
    for selector in (".card dd", ".card .muted", ".card a"):
        assert contrast(style(page, selector, "color"), card) >= 4.5, selector
    button = page.locator(".button").first
    assert (
        contrast(
            button.evaluate("e => getComputedStyle(e).color"),
            button.evaluate("e => getComputedStyle(e).backgroundColor"),
        )
        >= 4.5
    )
    shots(page, f"confirmed-{scheme}")
    context.close()


def test_no_page_of_the_flow_scrolls_sideways_at_375px(live, organizer, browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, timezone_id="Europe/Stockholm"
    )
    page = context.new_page()
    widths = {}
    page.goto(f"{live['base']}/b/dee")
    widths["page"] = page.evaluate("document.documentElement.scrollWidth")
    page.goto(f"{live['base']}/b/dee/30-minute-meeting")
    widths["type"] = page.evaluate("document.documentElement.scrollWidth")
    book(page, live["base"])
    widths["confirmation"] = page.evaluate("document.documentElement.scrollWidth")
    assert widths == {"page": 375, "type": 375, "confirmation": 375}
    context.close()


def test_the_confirmation_prints_its_content_alone(live, organizer, browser):
    context = browser.new_context(timezone_id="Europe/Stockholm")
    page = context.new_page()
    book(page, live["base"])
    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.locator("footer.site")).to_be_hidden()
    expect(page.locator("form")).to_have_count(page.locator("form").count())
    for form in page.locator("form").all():
        expect(form).to_be_hidden()
    expect(page.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()
    expect(page.locator("dl.summary")).to_be_visible()
    assert style(page, "body", "background-color") in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    context.close()
