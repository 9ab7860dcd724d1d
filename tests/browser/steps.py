"""Steps the browser tests share: logging in, waiting for the type editor's preview, and picking a
day in the slot picker. (The organizer to log in as comes from conftest's make_user.)"""

from __future__ import annotations

import re

from playwright.sync_api import expect


def login(page, base: str, who: dict) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(who["email"])
    page.get_by_label("Password").fill(who["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/me/$"))


def and_preview(page, action) -> None:
    """Do an edit on the meeting type form and wait for the preview request it triggers."""
    with page.expect_response(lambda r: r.url.endswith("/me/types/preview")):
        action()


def pick_day(page, day) -> None:
    """Go forward month by month until the day is in the picker, then click it."""
    link = page.get_by_role("link", name=re.compile(re.escape(f"({day.isoformat()})")))
    while link.count() == 0:
        heading = page.locator("#month-heading").inner_text()
        page.locator("#picker a[rel=next]").click()
        expect(page.locator("#month-heading")).not_to_have_text(heading)
    link.click()
    expect(page.locator("#picker .day[aria-current=date]")).to_have_text(str(day.day))
