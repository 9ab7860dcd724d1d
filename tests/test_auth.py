"""Login and logout: hashed passwords, a safe next=, a rate limit."""

import pytest


def test_login_and_logout(client, make_user):
    user = make_user()
    response = client.get("/login")
    assert response.status_code == 200
    assert b'for="email"' in response.data and b'for="password"' in response.data
    response = client.post("/login", data={"email": user["email"], "password": user["password"]})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/me/")
    assert client.get("/me/").status_code == 200
    assert client.post("/logout").status_code == 303
    assert client.get("/me/").status_code == 302


def test_wrong_password_is_refused_beside_the_field(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user["email"], "password": "wrong-one"})
    assert response.status_code == 422
    assert b"do not match" in response.data
    assert client.get("/me/").status_code == 302


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/me/page", "/me/page"),
        ("https://evil.example.com/", "/me/"),
        ("//evil.example.com/x", "/me/"),
        ("/\\evil.example.com", "/me/"),
        ("javascript:alert(1)", "/me/"),
    ],
)
def test_next_only_goes_to_this_site(client, make_user, target, expected):
    user = make_user()
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": user["email"], "password": user["password"]},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_login_is_rate_limited(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    client = app.test_client()
    codes = [
        client.post("/login", data={"email": "x@example.com", "password": "nope"}).status_code
        for _ in range(5)
    ]
    assert codes == [422, 422, 422, 429, 429]
    assert client.get("/login").status_code == 200  # only the POST is limited


def test_login_form_needs_csrf(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = make_user()
    client = app.test_client()
    response = client.post("/login", data={"email": user["email"], "password": user["password"]})
    assert response.status_code == 400
    assert client.get("/me/").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user["email"], "password": user["password"]})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
