"""Sharing the booking page: copy buttons, share by email (real SMTP), signature, QR code."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from tests.conftest import soup

BASE = "http://bwm.example.com"
SVG = "{http://www.w3.org/2000/svg}svg"


@pytest.fixture
def app(make_app, smtp_sink):
    return make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port)


@pytest.fixture
def organizer(make_user, make_token, client, login):
    user = make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    headers = make_token(user["id"])
    response = client.post(
        "/api/v1/me/meeting-types",
        json={
            "title": "Secret chat",
            "slug": "secret",
            "duration_minutes": 30,
            "visibility": "private",
        },
        headers=headers,
    )
    assert response.status_code == 201
    login(user)
    return {**user, "headers": headers}


def share_page(client) -> BeautifulSoup:
    response = client.get("/me/share")
    assert response.status_code == 200
    return soup(response)


def outbox_count(app) -> int:
    from bwm.extensions import db
    from bwm.models import OutboxMessage

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_copy_buttons_for_the_page_and_each_public_type(client, organizer):
    page = share_page(client)
    copies = [b["data-copy"] for b in page.select("#share-links button[data-copy]")]
    assert copies == [
        f"{BASE}/b/olga",
        f"{BASE}/b/olga/15-minute-meeting",
        f"{BASE}/b/olga/30-minute-meeting",
    ]
    assert "/b/olga/secret" not in page.decode()
    assert page.find("a", string="Secret chat")["href"].endswith("/links")
    dashboard = soup(client.get("/me/"))
    assert dashboard.find("button", attrs={"data-copy": True}) is not None
    assert dashboard.find("a", href="/me/share") is not None
    types = soup(client.get("/me/types"))
    public = [b["data-copy"] for b in types.select("button[data-copy]")]
    assert public == [
        "http://localhost/b/olga/15-minute-meeting",
        "http://localhost/b/olga/30-minute-meeting",
    ]


def test_share_by_email_reaches_every_address(client, organizer, smtp_sink, app):
    page = share_page(client)
    options = {o["value"]: o.get_text(strip=True) for o in page.select("#what option")}
    assert list(options.values()) == ["The booking page", "15 minute meeting", "30 minute meeting"]
    assert list(options)[0] == "page"
    thirty = next(k for k, v in options.items() if v == "30 minute meeting")
    response = client.post(
        "/me/share/email",
        data={
            "to": "anna@example.org, Bo@Example.net ,anna@example.org",
            "message": "Let's talk about <the plan>.\nBcc: eve@example.com",
            "what": thirty,
        },
    )
    assert response.status_code == 303
    assert "Sent to anna@example.org, bo@example.net." in soup(client.get("/me/share")).get_text()
    assert smtp_sink.wait_for(2)
    received = {r.rcpt_tos[0]: r.message for r in smtp_sink.received}
    assert sorted(received) == ["anna@example.org", "bo@example.net"]
    for to, message in received.items():
        assert message["To"] == to
        assert message["Subject"] == "Olga Organizer invites you to book a meeting"
        assert message["Bcc"] is None
        text = message.get_body(("plain",)).get_content()
        assert f"{BASE}/b/olga/30-minute-meeting" in text
        assert "Let's talk about <the plan>." in text
        html = message.get_body(("html",)).get_content()
        assert "&lt;the plan&gt;" in html and "<the plan>" not in html
        assert f'href="{BASE}/b/olga/30-minute-meeting"' in html
    assert all(r.rcpt_tos != ["eve@example.com"] for r in smtp_sink.received)
    assert outbox_count(app) == 2


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("", "at least one"),
        ("anna@example.org, not-an-address", "not-an-address"),
        ("anna@example.org\r\nBcc: eve@example.com", "Not a valid email address"),
        ("someone@localhost", "Not a valid email address"),
        (", ".join(f"p{i}@example.org" for i in range(21)), "At most 20"),
    ],
)
def test_share_by_email_checks_each_address(client, organizer, app, to, message):
    response = client.post("/me/share/email", data={"to": to, "message": "hi", "what": "page"})
    assert response.status_code == 422
    error = soup(response).select_one("#to-error")
    assert message in error.get_text()
    assert "\n" not in error.get_text().strip()
    assert outbox_count(app) == 0


def test_share_by_email_only_shares_the_page_or_a_public_type(client, organizer, app):
    response = client.post(
        "/me/share/email", data={"to": "anna@example.org", "what": "type-999999"}
    )
    assert response.status_code == 422
    assert outbox_count(app) == 0


def test_a_name_with_a_line_break_never_reaches_a_header(client, organizer, smtp_sink, app):
    from bwm.extensions import db
    from bwm.models import BookingPage

    with app.app_context():
        page = db.session.scalar(select(BookingPage))
        page.display_name = "Olga\r\nBcc: eve@example.com"
        db.session.commit()
    response = client.post("/me/share/email", data={"to": "anna@example.org", "what": "page"})
    assert response.status_code == 303
    assert smtp_sink.wait_for(1)
    (received,) = smtp_sink.received
    assert received.rcpt_tos == ["anna@example.org"]
    assert received.message["Bcc"] is None
    assert "\n" not in received.message["Subject"]


def test_the_signature_snippet_escapes_the_display_name(client, organizer):
    name = 'Ann <script>alert(1)</script> & "Co"'
    client.patch("/api/v1/me/page", json={"display_name": name}, headers=organizer["headers"])
    response = client.get("/me/share")
    page = soup(response)
    html = page.find("textarea", id="signature-html").get_text()
    assert html == (
        f'<p><a href="{BASE}/b/olga">Book a meeting with '
        "Ann &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Co&#34;</a></p>"
    )
    text = page.find("textarea", id="signature-text").get_text()
    assert text == f"Book a meeting with {name}: {BASE}/b/olga"
    assert page.find("script", string="alert(1)") is None
    assert b"<script>alert(1)" not in response.data
    preview = page.select_one(".signature-preview a")
    assert preview["href"] == f"{BASE}/b/olga"
    assert preview.get_text() == f"Book a meeting with {name}"
    copy = page.find("button", string="Copy HTML")
    assert copy["data-copy"] == html


def test_the_qr_code_is_an_svg_of_the_page_link(client, organizer, app):
    from bwm.services.page_sharing import qr_svg

    response = client.get("/me/page/qr.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == SVG
    assert root.find("{http://www.w3.org/2000/svg}path") is not None
    with app.app_context():
        assert response.data == qr_svg(f"{BASE}/b/olga")  # the page link, nothing else
        assert response.data != qr_svg(f"{BASE}/b/someone-else")
    download = client.get("/me/page/qr.svg?download=1")
    assert download.headers["Content-Disposition"] == 'attachment; filename="olga-qr.svg"'
    img = share_page(client).select_one("#qr img")
    assert img["src"] == "/me/page/qr.svg" and "QR code" in img["alt"]


def test_sharing_needs_a_signed_in_organizer(make_app):
    client = make_app().test_client()
    for url in ("/me/share", "/me/page/qr.svg"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/me/share/email", data={"to": "a@example.org"}).status_code == 302


def test_the_sharing_page_warns_when_the_page_is_unpublished(client, organizer):
    assert "not published" not in share_page(client).get_text()
    client.patch("/api/v1/me/page", json={"published": False}, headers=organizer["headers"])
    assert "not published" in share_page(client).get_text()
