"""A page's look in a real browser (SPEC §12): the brand colour on the buttons and links of the
page, a type and the confirmation, readable (WCAG AA) in light and dark; banner and photo shown."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from bwm.domain.colors import palette
from tests.browser.test_design import book, contrast, style


@pytest.fixture
def organizer(make_user, make_token, live):
    user = make_user(
        email="dee@example.com", name="Dee Design", slug="dee", timezone="Europe/Stockholm"
    )
    client = live["app"].test_client()
    headers = make_token(user["id"])
    answer = client.patch(
        "/api/v1/me/page", json={"brand_color": "#e91e63", "banner": "dusk"}, headers=headers
    )
    assert answer.status_code == 200, answer.text
    with live["app"].app_context():
        from bwm.extensions import db
        from bwm.models import BookingPage
        from bwm.services import images

        out = io.BytesIO()
        Image.new("RGB", (400, 400), (233, 30, 99)).save(out, format="PNG")
        page = db.session.query(BookingPage).filter_by(slug="dee").one()
        images.set_image(page, "photo", out.getvalue(), now=live["app"].config["CLOCK"]())
        db.session.commit()
    return user


def rgb_hex(css: str) -> str:
    r, g, b = (int(x) for x in re.findall(r"\d+", css)[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_brand_colour_reads_on_every_attendee_page(live, organizer, browser, scheme, shots):
    expected = palette("#e91e63")
    accent = expected["accent" if scheme == "light" else "dark-accent"]
    context = browser.new_context(color_scheme=scheme, timezone_id="Europe/Stockholm")
    page = context.new_page()
    page.goto(f"{live['base']}/b/dee")
    expect(page.locator("img.page-banner")).to_be_visible()
    expect(page.locator("img.page-photo")).to_be_visible()
    assert page.locator("img.page-photo").evaluate("e => e.naturalWidth") > 0
    assert rgb_hex(style(page, "main a", "color")) == accent
    background = style(page, "body", "background-color")
    assert contrast(style(page, "main a", "color"), background) >= 4.5
    shots(page, f"page-{scheme}")
    page.goto(f"{live['base']}/b/dee/30-minute-meeting")
    chosen = page.locator(".calendar a.day").first
    chosen.click()
    current = page.locator('.calendar a.day[aria-current="date"]')
    assert rgb_hex(current.evaluate("e => getComputedStyle(e).backgroundColor")) == accent
    assert (
        contrast(
            current.evaluate("e => getComputedStyle(e).color"),
            current.evaluate("e => getComputedStyle(e).backgroundColor"),
        )
        >= 4.5
    )
    book(page, live["base"])
    button = page.locator(".button").first
    assert (
        contrast(
            button.evaluate("e => getComputedStyle(e).color"),
            button.evaluate("e => getComputedStyle(e).backgroundColor"),
        )
        >= 4.5
    )
    expect(page.locator("img.page-photo")).to_be_visible()
    shots(page, f"confirmation-{scheme}")
    context.close()


def test_a_branded_page_has_no_serious_violations(live, organizer, browser):
    from tests.browser.test_accessibility import serious_violations

    context = browser.new_context(timezone_id="Europe/Stockholm", bypass_csp=True)
    page = context.new_page()
    found = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.goto(f"{live['base']}/b/dee")
        found[f"page-{scheme}"] = serious_violations(page)
        page.goto(f"{live['base']}/b/dee/30-minute-meeting")
        found[f"type-{scheme}"] = serious_violations(page)
    book(page, live["base"])
    found["confirmation"] = serious_violations(page)
    assert {k: v for k, v in found.items() if v} == {}
    context.close()
