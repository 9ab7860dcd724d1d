"""Security headers on every answer, and what trusting a reverse proxy changes (and doesn't)."""

from __future__ import annotations

import pytest

from tests.conftest import soup

CSP_PARTS = ("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'")


@pytest.fixture
def organizer(make_user):
    return make_user(slug="olga")


@pytest.mark.parametrize(
    "path",
    [
        "/b/olga",
        "/b/olga/30-minute-meeting",
        "/login",
        "/api/v1/pages/olga",
        "/api/v1/pages/nobody",
        "/b/nobody",
        "/healthz",
        "/static/css/bwm.css",
        "/m/tampered-token",
    ],
)
def test_every_answer_carries_the_security_headers(client, organizer, path):
    response = client.get(path)
    response.close()
    assert response.status_code < 500
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert all(part in csp for part in CSP_PARTS)
    assert "unsafe-inline" not in csp and "http" not in csp  # no third-party origin
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS would mean nothing


def test_the_pages_need_no_inline_script_or_style(client, organizer, login):
    login(organizer)
    for path in ("/b/olga", "/b/olga/30-minute-meeting", "/me/", "/me/types", "/me/busy"):
        response = client.get(path)
        assert response.status_code == 200, path
        page = soup(response)
        assert [s for s in page.find_all("script") if not s.get("src")] == [], path
        assert page.find_all("style") == [], path
        assert page.select("[style]") == [], path
        assert not [t for t in page.find_all(True) if any(a.startswith("on") for a in t.attrs)]


def test_over_https_answers_carry_hsts_and_only_secure_cookies(make_app, organizer):
    app = make_app()
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": organizer["email"], "password": organizer["password"], "remember": "y"},
        base_url="https://bwm.example.com",
    )
    assert response.status_code == 303
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookies = response.headers.getlist("Set-Cookie")
    assert cookies and all("; Secure" in c for c in cookies)


def _login_codes(client, forwarded_for: list[str]) -> list[int]:
    return [
        client.post(
            "/login",
            data={"email": "x@example.com", "password": "nope"},
            headers={"X-Forwarded-For": ip},
        ).status_code
        for ip in forwarded_for
    ]


def test_without_trusted_proxies_a_forged_forwarded_for_changes_nothing(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    client = app.test_client()
    # A new address on every try: still one client, limited after three.
    codes = _login_codes(client, [f"203.0.113.{n}" for n in range(5)])
    assert codes == [422, 422, 422, 429, 429]
    forged = client.get(
        "/b/nobody", headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
    )
    assert "Strict-Transport-Security" not in forged.headers


def test_behind_one_trusted_proxy_the_forwarded_client_is_the_client(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute", PROXY_HOPS=1)
    client = app.test_client()
    assert _login_codes(client, ["203.0.113.7"] * 4) == [422, 422, 422, 429]
    assert _login_codes(client, ["203.0.113.8"]) == [422]  # someone else: their own limit

    user = make_user(slug="ann")
    secure = client.post(
        "/login",
        data={"email": user["email"], "password": user["password"]},
        headers={"X-Forwarded-For": "198.51.100.1", "X-Forwarded-Proto": "https"},
    )
    assert secure.status_code == 303
    assert "Strict-Transport-Security" in secure.headers
    assert all("; Secure" in c for c in secure.headers.getlist("Set-Cookie"))
