"""The Content-Security-Policy holds on every page: no page needs an inline script or style."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.steps import login, pick_day
from tests.helpers import next_weekday

# Record every violation the page reports (the init script runs outside the page's CSP).
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""
ORGANIZER_PAGES = [
    "/me/",
    "/me/page",
    "/me/types",
    "/me/types/new",
    "/me/busy",
    "/me/bookings",
    "/me/calendars",
    "/me/shares",
    "/me/share",
    "/admin/",
    "/admin/operations",
]


@pytest.fixture
def admin(make_user):
    return make_user(
        email="cy@example.com", name="Cy Csp", slug="cy", timezone="Europe/Stockholm", admin=True
    )


def test_the_booking_flow_and_the_organizer_pages_break_no_policy(live, admin, browser):
    base = live["base"]
    context = browser.new_context(timezone_id="Europe/Stockholm")
    context.add_init_script(WATCH)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Security Policy" in m.text else None)
    violations: list[str] = []

    def seen() -> None:
        violations.extend(f"{page.url}: {v}" for v in page.evaluate("window.__csp"))

    first = page.goto(f"{base}/b/cy")
    assert "frame-ancestors 'none'" in first.headers["content-security-policy"]
    page.get_by_role("link", name="30 minute meeting").click()
    expect(page.locator("#picker")).to_be_visible()
    pick_day(page, next_weekday(1))  # through htmx: the month and the day's times swap in
    page.locator(".times a").first.click()
    page.get_by_label("Name").fill("Cleo")
    page.get_by_label("Email").fill("cleo@example.org")
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()
    seen()

    login(page, base, admin)
    for path in ORGANIZER_PAGES:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        seen()
    assert violations == []
    assert console == []

    # The "are you sure?" of a delete button still asks, from the static script.
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", answer)
    page.goto(f"{base}/me/types")
    deletes = page.get_by_role("button", name="Delete")
    types = deletes.count()
    deletes.first.click()
    expect(page).to_have_url(re.compile(r"/me/types$"))
    assert len(asked) == 1 and asked[0].startswith("Delete “")
    expect(deletes).to_have_count(types)  # dismissed: nothing was deleted
    context.close()
