"""Embedding in a real browser: a host page on another site (127.0.0.2, so no SameSite=Lax cookie
of the app's 127.0.0.1 reaches the frame) books through /embed.js, inline and in a pop-up."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.browser.steps import pick_day
from tests.helpers import next_weekday
from tests.servers import serve

JANUARY = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host website</title></head>
<body><h1>Our shop</h1><p>Book a meeting with us:</p>
<script>window.booked = []; document.addEventListener("bwm:booked", function (e) {
  window.booked.push({detail: e.detail, target: e.target.tagName}); });</script>
<script src="%(app)s/embed.js" data-bwm-url="%(app)s/b/olga/30-minute-meeting"
        data-bwm-mode="%(mode)s"></script>
<p>Footer of the host page</p></body></html>"""


@contextmanager
def host_site(address: str):
    """A plain website on another loopback address: /inline and /popup embed the app."""
    state = {"app": ""}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            mode = self.path.strip("/")
            if mode not in ("inline", "popup"):
                self.send_response(204)
                self.end_headers()
                return
            body = (HOST_PAGE % {"app": state["app"], "mode": mode}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((address, 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://{address}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def sites(make_app, make_user, clock):
    """The app on 127.0.0.1, framable from the host on 127.0.0.2 only; another on 127.0.0.3."""
    clock.now = JANUARY
    with host_site("127.0.0.2") as (host, host_url), host_site("127.0.0.3") as (other, other_url):
        app = make_app(BASE_URL=None, WTF_CSRF_ENABLED=True, CLOCK=clock, EMBED_ORIGINS=host_url)
        make_user(email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm")
        with serve(app) as base:
            host["app"] = other["app"] = base
            yield {"app": base, "host": host_url, "other": other_url}


def book_in(frame, tab) -> None:
    """Pick the coming Monday and its first time in the frame, fill in the form and book."""
    expect(frame.locator("#picker")).to_be_visible()
    pick_day(frame, next_weekday(0, today=JANUARY.date()))
    frame.locator(".times a").first.click()
    frame.get_by_label("Name").fill("Anna Attendee")
    frame.get_by_label("Email").fill("anna@example.org")
    frame.get_by_role("button", name="Book").click()
    expect(frame.get_by_role("heading", name=re.compile("confirmed"))).to_be_visible()


def booked_events(tab) -> list:
    tab.wait_for_function("window.booked.length > 0")
    return tab.evaluate("window.booked")


def assert_booked_event(tab) -> None:
    (event,) = booked_events(tab)
    detail = event["detail"]
    assert set(detail) == {"uid", "start", "end"}
    assert detail["uid"] and detail["start"].startswith("2027-01-18T08:00:00")
    assert detail["end"].startswith("2027-01-18T08:30:00")
    assert "anna" not in str(event).lower()
    assert event["target"] == "SCRIPT"  # dispatched on the script element; it bubbles


def test_inline_the_frame_books_grows_and_tells_the_host(sites, tab, shots, js_errors):
    js_errors(tab)
    tab.goto(f"{sites['host']}/inline")
    iframe = tab.locator("iframe[data-bwm-frame=inline]")
    expect(iframe).to_have_attribute("title", "Book a time")
    initial = 240
    frame = tab.frame_locator("iframe[data-bwm-frame=inline]")
    expect(frame.locator("main h1")).to_have_text("30 minute meeting")
    # No chrome in the frame, and it grew to its content (the host's text comes after it).
    assert frame.locator("header, footer").count() == 0
    tab.wait_for_function(
        "h => document.querySelector('iframe[data-bwm-frame]').getBoundingClientRect().height > h",
        arg=initial,
    )
    shots(tab, "inline-picker")
    book_in(frame, tab)
    shots(tab, "inline-confirmed")
    assert iframe.evaluate("e => e.getBoundingClientRect().height") > initial
    assert_booked_event(tab)
    # The frame kept no cookie of ours, and none was needed.
    assert [c for c in tab.context.cookies() if c["domain"] == "127.0.0.1"] == []
    assert js_errors.errors == []


def test_popup_opens_a_dialog_books_and_esc_returns_to_the_button(sites, tab, shots, js_errors):
    js_errors(tab)
    tab.goto(f"{sites['host']}/popup")
    button = tab.get_by_role("button", name="Book a time")
    expect(tab.locator("iframe")).to_have_count(0)  # loaded on first use
    button.click()
    dialog = tab.get_by_role("dialog", name="Book a time")
    expect(dialog).to_be_visible()
    close = dialog.get_by_role("button", name="Close")
    expect(close).to_be_focused()  # focus moved into the dialog
    tab.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    button.press("Enter")  # by keyboard, too
    expect(dialog).to_be_visible()
    frame = tab.frame_locator("dialog iframe")
    shots(tab, "popup-open")
    book_in(frame, tab)
    shots(tab, "popup-confirmed")
    assert_booked_event(tab)
    # Focus is in the frame now; Esc there still closes the dialog, back to the button.
    frame.get_by_role("heading", name=re.compile("confirmed")).click()
    tab.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    button.click()
    close.click()
    expect(dialog).to_be_hidden()
    expect(button).to_be_focused()
    assert js_errors.errors == []


def test_a_site_not_in_embed_origins_is_refused(sites, tab):
    messages: list[str] = []
    tab.on("console", lambda msg: messages.append(msg.text))
    with tab.expect_event("console", lambda m: "frame-ancestors" in m.text, timeout=15000):
        tab.goto(f"{sites['other']}/inline")
    assert any(
        m.startswith(f"Framing '{sites['app']}/'")
        and f'"frame-ancestors {sites["host"]}"' in m
        and "blocked" in m
        for m in messages
    ), messages
    tab.wait_for_timeout(300)
    frame = tab.frame_locator("iframe[data-bwm-frame=inline]")
    assert frame.locator("main").count() == 0
    # Chromium shows its own error page in the frame instead of ours.
    (blocked,) = [f for f in tab.frames if f != tab.main_frame]
    assert blocked.url == "chrome-error://chromewebdata/"
    assert "30 minute meeting" not in blocked.content()
    # The same app is framed from the listed host, in the same browser.
    tab.goto(f"{sites['host']}/inline")
    expect(frame.locator("main h1")).to_have_text("30 minute meeting")
