"""axe-core in Chromium: no serious or critical violations on the attendee and organizer pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import next_weekday

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()


@pytest.fixture
def site(live):
    from bwm.extensions import db
    from bwm.services import meeting_types
    from bwm.services.organizers import create_organizer

    with live["app"].app_context():
        user = create_organizer(
            "axe@example.com",
            "Ada Axe",
            "long-password",
            slug="ada",
            timezone="Europe/Stockholm",
            admin=True,
        )
        meeting_types.create(
            user.page,
            {
                "title": "Online intro",
                "slug": "intro",
                "duration_minutes": 30,
                "location_kind": "online",
            },
        )
        db.session.commit()
    return live


@pytest.fixture
def tab(browser):
    """A fresh page whose test scripts (axe, waits written as JavaScript text) may run: the
    app's Content-Security-Policy forbids inline and eval'd script, as it should for the app."""
    context = browser.new_context(timezone_id="Europe/Stockholm", bypass_csp=True)
    yield context.new_page()
    context.close()


def serious_violations(page) -> list[str]:
    page.add_script_tag(content=AXE)
    result = page.evaluate("async () => await axe.run(document)")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + ", ".join(n["target"][0] for n in v["nodes"][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _book(page, base) -> str:
    day = next_weekday(1)
    page.goto(f"{base}/b/ada/intro?tz=Europe/Stockholm&month={day:%Y-%m}&date={day}")
    page.locator(".times a").first.click()
    page.get_by_label("Name").fill("Vera Visitor")
    page.get_by_label("Email").fill("vera@example.org")
    page.get_by_role("button", name="Book").click()
    page.wait_for_url("**/m/**")
    return page.url


def test_attendee_pages_have_no_serious_violations(site, tab):
    page = tab
    base = site["base"]
    day = next_weekday(1)
    urls = [
        f"{base}/b/ada",
        f"{base}/b/ada/intro",
        f"{base}/b/ada/intro?tz=Europe/Stockholm&month={day:%Y-%m}&date={day}",
        f"{base}/b/nobody",
    ]
    found = {}
    for url in urls:
        page.goto(url)
        found[url] = serious_violations(page)
    page.goto(urls[2])
    page.locator(".times a").first.click()
    found["booking form"] = serious_violations(page)
    manage = _book(page, base)
    found["confirmation"] = serious_violations(page)
    page.goto(f"{manage}/reschedule")
    found["reschedule"] = serious_violations(page)
    assert {k: v for k, v in found.items() if v} == {}


def test_organizer_pages_have_no_serious_violations(site, tab):
    page = tab
    base = site["base"]
    page.goto(f"{base}/login")
    found = {"login": serious_violations(page)}
    page.get_by_label("Email").fill("axe@example.com")
    page.get_by_label("Password").fill("long-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/me/")
    for path in (
        "/me/",
        "/me/page",
        "/me/types",
        "/me/types/new",
        "/me/busy",
        "/me/bookings",
        "/admin/",
        "/admin/privacy",
        "/admin/privacy?email=vera%40example.org",
        "/admin/privacy/erase?email=vera%40example.org",
        "/admin/audit",
    ):
        page.goto(base + path)
        found[path] = serious_violations(page)
    assert {k: v for k, v in found.items() if v} == {}


def test_the_picker_works_by_keyboard_alone(site, tab):
    page = tab
    base = site["base"]
    day = next_weekday(1)
    page.goto(f"{base}/b/ada/intro?tz=Europe/Stockholm&month={day:%Y-%m}")
    # Tab to the first free day and open it with Enter; then tab to the first time. Each swap
    # moves focus to what came in (its [data-focus] heading): wait for that before going on,
    # as a keyboard user hears it before pressing on.
    settled = "document.activeElement && document.activeElement.hasAttribute('data-focus')"
    page.locator(".calendar a.day").first.focus()
    page.keyboard.press("Enter")
    page.locator(".times a").first.wait_for()
    page.wait_for_function(settled)
    page.locator(".times a").first.focus()
    page.keyboard.press("Enter")
    page.get_by_label("Name").wait_for()
    page.wait_for_function(settled)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.tagName")
    assert focused in ("INPUT", "TEXTAREA", "BUTTON", "A")


def test_attendee_pages_fit_a_phone(site, browser):
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, timezone_id="Europe/Stockholm"
    )
    page = context.new_page()
    base = site["base"]
    day = next_weekday(1)
    widths = {}
    for url in (f"{base}/b/ada", f"{base}/b/ada/intro?month={day:%Y-%m}&date={day}"):
        page.goto(url)
        widths[url] = page.evaluate("document.documentElement.scrollWidth")
    page.locator(".times a").first.click()
    widths["form"] = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert {k: w for k, w in widths.items() if w > 375} == {}


def test_picker_swaps_move_focus_to_what_came_in(site, tab):
    page = tab
    day = next_weekday(1)
    page.goto(f"{site['base']}/b/ada/intro?tz=Europe/Stockholm&month={day:%Y-%m}")
    assert page.locator("#picker").get_attribute("aria-live") == "polite"
    page.locator(".calendar a.day").first.click()
    page.locator(".times a").first.wait_for()
    # The times are shown as they are swapped in; focus moves to them once the swap settles.
    page.wait_for_function("document.activeElement.id === 'times-heading'")
    page.get_by_role("link", name="Next month").click()
    page.wait_for_function("document.activeElement.id === 'month-heading'")
