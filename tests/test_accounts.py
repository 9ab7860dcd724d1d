"""The organizer's account (/me/account) and forgotten passwords (/login/forgot), through the real
app and a real SMTP server: name, language, password, an email change confirmed from the link
that arrived, password resets, API tokens, CSRF and Swedish pages."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from bwm.extensions import db
from bwm.models import ApiToken, OutboxMessage, User
from tests.conftest import soup


@pytest.fixture
def app(make_app, smtp_sink, clock):
    return make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def ann(make_user):
    return make_user(email="ann@example.com", name="Ann Andersson", password="first-password")


def words(node) -> str:
    return " ".join(node.get_text(" ").split())


def error_beside(page: BeautifulSoup, field_id: str) -> str:
    """Return the error shown beside a field (its aria-describedby), or ""."""
    found = page.find(id=f"{field_id}-error")
    return words(found) if found else ""


def stored(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def outbox_to(app, address: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to == address)
        )


def mail_to(smtp_sink, address: str, count: int = 1) -> list:
    """Wait for the emails to one address and return them."""
    assert smtp_sink.wait_for(count)
    return [m for m in smtp_sink.messages if m["To"] == address]


def link_in(message, path: str) -> str:
    """Return the path of the link under `path` in the plain-text part of an email."""
    text = message.get_body(("plain",)).get_content()
    found = re.search(rf"https?://\S+{re.escape(path)}\S+", text)
    assert found, text
    url = found.group(0)
    assert url.startswith("http://bwm.example.com/")
    return urlsplit(url).path


PASSWORD_CHANGE = {
    "current_password": "first-password",
    "new_password": "second-password",
    "confirm_password": "second-password",
}


def log_in(client, email: str, password: str) -> int:
    return client.post("/login", data={"email": email, "password": password}).status_code


# --- the page --------------------------------------------------------------------------------


def test_the_account_page_is_in_the_nav_and_for_signed_in_organizers(client, login, ann):
    assert client.get("/me/account").status_code == 302
    login(ann)
    nav = {a["href"] for a in soup(client.get("/me/")).find("nav").find_all("a")}
    assert "/me/account" in nav
    page = soup(client.get("/me/account"))
    assert page.find("h1").get_text(strip=True) == "Your account"
    for form_id in ("profile", "email-change", "password-change", "token-new"):
        form = page.find("form", id=form_id)
        assert form is not None and form["method"] == "post", form_id
        for control in form.find_all(["input", "select"]):
            if control.get("type") != "hidden":
                assert page.find("label", attrs={"for": control["id"]}), control["id"]
    assert page.find(id="name")["value"] == "Ann Andersson"
    assert "ann@example.com" in words(page.find(id="email-change"))


def test_name_and_language_are_changed_and_the_pages_follow_the_language(app, client, login, ann):
    login(ann)
    response = client.post("/me/account/profile", data={"name": "Ann Berg", "language": "sv"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/me/account"
    user = stored(app, ann["id"])
    assert (user.name, user.language) == ("Ann Berg", "sv")
    page = soup(client.get("/me/account"))
    assert page.html["lang"] == "sv"
    assert page.find("h1").get_text(strip=True) == "Ditt konto"
    assert "Ditt namn och språk har sparats." in words(page)
    assert page.find(id="name")["value"] == "Ann Berg"
    assert page.find(id="language").find("option", selected=True)["value"] == "sv"
    assert soup(client.get("/me/")).html["lang"] == "sv"


@pytest.mark.parametrize(
    ("data", "field"),
    [({"name": "", "language": "en"}, "name"), ({"name": "Ann", "language": "xx"}, "language")],
)
def test_a_bad_name_or_language_is_refused_beside_its_field(app, client, login, ann, data, field):
    login(ann)
    response = client.post("/me/account/profile", data=data)
    assert response.status_code == 422
    assert error_beside(soup(response), field)
    user = stored(app, ann["id"])
    assert (user.name, user.language) == ("Ann Andersson", "en")


def test_the_password_is_changed_given_the_current_one(app, client, login, ann):
    login(ann)
    url = "/me/account/password"
    wrong = client.post(url, data={**PASSWORD_CHANGE, "current_password": "not-it-at-all"})
    assert wrong.status_code == 422
    assert "not your current password" in error_beside(soup(wrong), "current_password")
    short = client.post(
        url, data={**PASSWORD_CHANGE, "new_password": "short", "confirm_password": "short"}
    )
    assert short.status_code == 422
    assert "8" in error_beside(soup(short), "new_password")
    differ = client.post(url, data={**PASSWORD_CHANGE, "confirm_password": "second-passw0rd"})
    assert differ.status_code == 422
    assert "not the same" in error_beside(soup(differ), "confirm_password")
    assert log_in(app.test_client(), "ann@example.com", "first-password") == 303

    done = client.post(url, data=PASSWORD_CHANGE)
    assert done.status_code == 303
    assert "Your password is changed." in words(soup(client.get("/me/account")))
    assert log_in(app.test_client(), "ann@example.com", "first-password") == 422
    assert log_in(app.test_client(), "ann@example.com", "second-password") == 303


def test_a_new_password_signs_every_other_session_out(app, client, login, ann):
    elsewhere = app.test_client()  # the same organizer on another device, or someone who knew
    assert log_in(elsewhere, "ann@example.com", "first-password") == 303
    assert elsewhere.get("/me/account").status_code == 200
    login(ann)
    assert client.post("/me/account/password", data=PASSWORD_CHANGE).status_code == 303
    assert client.get("/me/account").status_code == 200  # the session that changed it stays
    signed_out = elsewhere.get("/me/account")
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]


# --- a new sign-in address ---------------------------------------------------------------------


def test_a_new_address_is_confirmed_from_the_link_sent_to_it(app, client, login, ann, smtp_sink):
    login(ann)
    response = client.post(
        "/me/account/email", data={"email": "Ann.Berg@Example.org", "password": "first-password"}
    )
    assert response.status_code == 303
    page = soup(client.get("/me/account"))
    assert "ann.berg@example.org" in words(page.find(id="pending-email"))
    [message] = mail_to(smtp_sink, "ann.berg@example.org")
    assert message["Subject"] == "Confirm your new sign-in address"
    link = link_in(message, "/account/email/")
    assert stored(app, ann["id"]).email == "ann@example.com"

    # Opened from the mailbox, signed out: the GET (a link scanner, say) changes nothing.
    other = app.test_client()
    for _ in range(2):
        shown = other.get(link)
        assert shown.status_code == 200
        assert "ann.berg@example.org" in words(soup(shown))
        assert soup(shown).find("form", method="post") is not None
    assert stored(app, ann["id"]).email == "ann@example.com"

    confirmed = other.post(link)
    assert confirmed.status_code == 303
    assert confirmed.headers["Location"] == "/login"
    assert stored(app, ann["id"]).email == "ann.berg@example.org"
    assert "ann.berg@example.org" in words(soup(other.get("/login")))

    # The old address is told; the new one signs in, the old one no longer does.
    [notice] = mail_to(smtp_sink, "ann@example.com", count=2)
    assert "ann.berg@example.org" in notice.get_body(("plain",)).get_content()
    assert log_in(app.test_client(), "ann@example.com", "first-password") == 422
    assert log_in(app.test_client(), "ann.berg@example.org", "first-password") == 303

    # The link works once.
    again = other.get(link)
    assert again.status_code == 410
    assert "already been used" in again.text
    assert other.post(link).status_code == 410
    assert soup(client.get("/me/account")).find(id="pending-email") is None


def test_confirmed_while_signed_in_it_goes_back_to_the_account(app, client, login, ann, smtp_sink):
    login(ann)
    client.post(
        "/me/account/email", data={"email": "ann2@example.com", "password": "first-password"}
    )
    [message] = mail_to(smtp_sink, "ann2@example.com")
    response = client.post(link_in(message, "/account/email/"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/me/account"
    page = soup(client.get("/me/account"))
    assert "Your sign-in address is now ann2@example.com." in words(page)
    assert "ann2@example.com" in words(page.find(id="email-change"))


def test_an_address_another_account_has_is_refused(app, client, login, ann, make_user, smtp_sink):
    make_user(email="bo@example.com")
    login(ann)
    taken = client.post(
        "/me/account/email", data={"email": "BO@example.com", "password": "first-password"}
    )
    assert taken.status_code == 409
    assert "Another account has that address" in error_beside(soup(taken), "email")
    cases = [
        ({"email": "new@example.com", "password": "wrong-password"}, "password", "current"),
        ({"email": "ann@example.com", "password": "first-password"}, "email", "already your"),
        ({"email": "not an address", "password": "first-password"}, "email", "name@example.com"),
    ]
    for data, field, message in cases:
        response = client.post("/me/account/email", data=data)
        assert response.status_code == 422, data
        assert message in error_beside(soup(response), field), data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert stored(app, ann["id"]).email == "ann@example.com"


def test_an_address_taken_before_the_link_is_used_is_refused_then(
    app, client, login, ann, make_user, smtp_sink
):
    login(ann)
    client.post("/me/account/email", data={"email": "cy@example.com", "password": "first-password"})
    [message] = mail_to(smtp_sink, "cy@example.com")
    link = link_in(message, "/account/email/")
    make_user(email="cy@example.com")
    response = client.post(link)
    assert response.status_code == 409
    assert "Another account has the address cy@example.com" in words(soup(response))
    assert stored(app, ann["id"]).email == "ann@example.com"


def test_the_link_expires_and_a_newer_request_withdraws_it(
    app, client, login, ann, smtp_sink, clock
):
    login(ann)
    client.post(
        "/me/account/email", data={"email": "one@example.com", "password": "first-password"}
    )
    client.post(
        "/me/account/email", data={"email": "two@example.com", "password": "first-password"}
    )
    assert smtp_sink.wait_for(2)
    first = link_in(mail_to(smtp_sink, "one@example.com", 2)[0], "/account/email/")
    second = link_in(mail_to(smtp_sink, "two@example.com", 2)[0], "/account/email/")
    assert client.get(first).status_code == 410
    assert client.post(first).status_code == 410
    assert client.get(second[:-3] + "xyz").status_code == 404
    clock.now += timedelta(hours=23, minutes=59)
    assert client.get(second).status_code == 200
    clock.now += timedelta(minutes=2)
    expired = client.post(second)
    assert expired.status_code == 410
    assert "expired" in expired.text
    assert stored(app, ann["id"]).email == "ann@example.com"


def test_a_new_password_withdraws_a_pending_address_change(app, client, login, ann, smtp_sink):
    # Someone who learnt the password asks for their own address; the owner changes the password.
    login(ann)
    client.post(
        "/me/account/email", data={"email": "thief@example.com", "password": "first-password"}
    )
    link = link_in(mail_to(smtp_sink, "thief@example.com")[0], "/account/email/")
    client.post("/me/account/password", data=PASSWORD_CHANGE)
    assert soup(client.get("/me/account")).find(id="pending-email") is None
    withdrawn = app.test_client().post(link)
    assert withdrawn.status_code == 410
    assert "withdrawn" in withdrawn.text
    assert stored(app, ann["id"]).email == "ann@example.com"


# --- forgotten passwords -----------------------------------------------------------------------


def forgot(client, email: str):
    return client.post("/login/forgot", data={"email": email})


def test_a_forgotten_password_is_reset_from_the_emailed_link(app, client, ann, smtp_sink):
    login_page = soup(client.get("/login"))
    assert login_page.find("a", href="/login/forgot").get_text(strip=True) == (
        "Forgot your password?"
    )
    assert client.get("/login/forgot").status_code == 200
    response = forgot(client, "ANN@example.com")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login/forgot/sent"
    sent = soup(client.get("/login/forgot/sent"))
    assert "If an account has that address, we sent it a link" in words(sent)

    [message] = mail_to(smtp_sink, "ann@example.com")
    assert message["Subject"] == "Choose a new password"
    assert "60 minutes" in message.get_body(("plain",)).get_content()
    link = link_in(message, "/login/reset/")
    form = client.get(link)
    assert form.status_code == 200
    assert "ann@example.com" in words(soup(form))
    assert client.get(link).status_code == 200  # a GET changes nothing
    assert log_in(app.test_client(), "ann@example.com", "first-password") == 303

    differ = client.post(
        link, data={"new_password": "reset-password", "confirm_password": "reset-passw0rd"}
    )
    assert differ.status_code == 422
    assert "not the same" in error_beside(soup(differ), "confirm_password")
    short = client.post(link, data={"new_password": "short", "confirm_password": "short"})
    assert short.status_code == 422
    assert error_beside(soup(short), "new_password")

    done = client.post(
        link, data={"new_password": "reset-password", "confirm_password": "reset-password"}
    )
    assert done.status_code == 303
    assert done.headers["Location"] == "/me/"
    assert "Your new password is set" in words(soup(client.get("/me/")))  # signed in
    assert log_in(app.test_client(), "ann@example.com", "first-password") == 422
    assert log_in(app.test_client(), "ann@example.com", "reset-password") == 303

    # Used: the link is gone, even for a second try at a new password.
    client.post("/logout")
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.text
    reuse = client.post(
        link, data={"new_password": "third-password", "confirm_password": "third-password"}
    )
    assert reuse.status_code == 410
    assert log_in(app.test_client(), "ann@example.com", "reset-password") == 303


def test_a_reset_link_works_for_an_hour(app, client, ann, smtp_sink, clock):
    forgot(client, "ann@example.com")
    link = link_in(mail_to(smtp_sink, "ann@example.com")[0], "/login/reset/")
    clock.now += timedelta(minutes=59)
    assert client.get(link).status_code == 200
    clock.now += timedelta(minutes=1)
    expired = client.get(link)
    assert expired.status_code == 410
    assert "expired" in expired.text
    data = {"new_password": "reset-password", "confirm_password": "reset-password"}
    assert client.post(link, data=data).status_code == 410
    assert log_in(app.test_client(), "ann@example.com", "first-password") == 303


def test_a_reset_link_dies_when_the_password_changes_and_a_tampered_one_is_404(
    app, client, login, ann, smtp_sink
):
    forgot(client, "ann@example.com")
    link = link_in(mail_to(smtp_sink, "ann@example.com")[0], "/login/reset/")
    assert client.get(link[:-4] + "abcd").status_code == 404
    assert client.get("/login/reset/nonsense").status_code == 404
    login(ann)
    client.post("/me/account/password", data=PASSWORD_CHANGE)
    assert client.get(link).status_code == 410


def test_a_reset_link_sent_to_the_old_address_dies_when_the_address_changes(
    app, client, login, ann, smtp_sink
):
    forgot(client, "ann@example.com")
    reset = link_in(mail_to(smtp_sink, "ann@example.com")[0], "/login/reset/")
    login(ann)
    client.post(
        "/me/account/email", data={"email": "ann2@example.com", "password": "first-password"}
    )
    confirm = link_in(mail_to(smtp_sink, "ann2@example.com", 2)[0], "/account/email/")
    assert client.post(confirm).status_code == 303
    assert stored(app, ann["id"]).email == "ann2@example.com"
    assert app.test_client().get(reset).status_code == 410


def test_an_unknown_address_gets_the_same_answer_and_no_email(app, ann, smtp_sink):
    known, unknown = app.test_client(), app.test_client()
    answers = [forgot(known, "ann@example.com"), forgot(unknown, "nobody@example.com")]
    assert [r.status_code for r in answers] == [303, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    pages = [known.get("/login/forgot/sent"), unknown.get("/login/forgot/sent")]
    assert pages[0].data == pages[1].data
    assert mail_to(smtp_sink, "ann@example.com")
    assert outbox_to(app, "nobody@example.com") == 0
    assert all(m["To"] != "nobody@example.com" for m in smtp_sink.messages)
    # A malformed address is refused beside the field, whoever it might be.
    bad = forgot(unknown, "nobody at example")
    assert bad.status_code == 422
    assert error_beside(soup(bad), "email")


def test_the_forgot_answer_takes_about_as_long_for_unknown_addresses(app, ann):
    client = app.test_client()
    times: dict[str, list[float]] = {"ann@example.com": [], "nobody@example.com": []}
    for _ in range(8):
        for address, found in times.items():
            start = time.perf_counter()
            assert forgot(client, address).status_code == 303
            found.append(time.perf_counter() - start)
    known, unknown = (sorted(found)[len(found) // 2] for found in times.values())
    # Both hash a password; an unknown address must not answer in a fraction of the time.
    assert unknown > known / 2, (known, unknown)


def test_login_answers_an_unknown_address_as_a_wrong_password(app, ann, monkeypatch):
    from bwm.services import organizers

    checked = []
    real = organizers.check_password_hash
    monkeypatch.setattr(
        organizers, "check_password_hash", lambda h, p: checked.append(h) or real(h, p)
    )
    known = app.test_client().post(
        "/login", data={"email": "ann@example.com", "password": "wrong-password"}
    )
    unknown = app.test_client().post(
        "/login", data={"email": "bob@example.com", "password": "wrong-password"}
    )
    assert known.status_code == unknown.status_code == 422
    assert known.data.replace(b"ann@example.com", b"X") == unknown.data.replace(
        b"bob@example.com", b"X"
    )
    # Each checked a password hash: the unknown address against a dummy one.
    assert len(checked) == 2
    assert checked[1] == organizers.dummy_password_hash()


def test_forgot_is_rate_limited_like_login(make_app, ann):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute")
    client = app.test_client()
    codes = [forgot(client, "nobody@example.com").status_code for _ in range(5)]
    assert codes == [303, 303, 303, 429, 429]
    assert client.get("/login/forgot").status_code == 200


# --- API tokens --------------------------------------------------------------------------------


def test_a_token_is_made_shown_once_listed_used_and_revoked(app, client, login, ann, clock):
    login(ann)
    empty = soup(client.get("/me/account"))
    assert empty.find(id="no-tokens") is not None

    made = client.post("/me/account/tokens", data={"token_name": "Zapier"})
    assert made.status_code == 303
    assert made.headers["Location"] == "/me/account#new-token"
    shown = client.get("/me/account")
    assert shown.headers["Cache-Control"] == "no-store"
    page = soup(shown)
    token = page.find(id="new-token-value")["value"]
    assert token.startswith("bwm_")
    assert page.find(id="new-token").find("button", attrs={"data-copy": token}) is not None
    # Shown once: not on the next visit, and only its hash is stored.
    assert token not in client.get("/me/account").text
    with app.app_context():
        assert db.session.scalar(select(ApiToken.token_hash)) != token

    [row] = soup(client.get("/me/account")).find(id="token-list").find_all("li")
    assert "Zapier" in words(row)
    assert row.find("time", class_="made")["datetime"] == clock.now.isoformat()
    assert "Never used" in words(row)

    clock.now += timedelta(minutes=5)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me/page", headers=headers).status_code == 200
    [row] = soup(client.get("/me/account")).find(id="token-list").find_all("li")
    assert row.find("time", class_="last-used")["datetime"] == clock.now.isoformat()

    revoke = row.find("form")["action"]
    assert client.post(revoke).status_code == 303
    assert client.get("/api/v1/me/page", headers=headers).status_code == 401
    assert soup(client.get("/me/account")).find(id="no-tokens") is not None
    assert client.post(revoke).status_code == 404


def test_last_use_is_written_at_most_once_a_minute(app, ann, make_token, clock):
    headers = make_token(ann["id"])

    def last_used():
        with app.app_context():
            return db.session.scalar(select(ApiToken.last_used_at))

    client = app.test_client()
    assert client.get("/api/v1/me/page", headers=headers).status_code == 200
    first = last_used()
    assert first == clock.now
    clock.now += timedelta(seconds=30)
    client.get("/api/v1/me/page", headers=headers)
    assert last_used() == first
    clock.now += timedelta(seconds=40)
    client.get("/api/v1/me/page", headers=headers)
    assert last_used() == clock.now


def test_an_organizer_cannot_revoke_anothers_token(app, client, login, ann, make_user, make_token):
    bo = make_user(email="bo@example.com")
    headers = make_token(bo["id"])
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    login(ann)
    assert client.post(f"/me/account/tokens/{token_id}/revoke").status_code == 404
    assert app.test_client().get("/api/v1/me/page", headers=headers).status_code == 200


# --- CSRF and languages --------------------------------------------------------------------------


def csrf_of(client, url: str) -> str:
    return soup(client.get(url)).find("input", attrs={"name": "csrf_token"})["value"]


def test_every_account_form_needs_its_csrf_token(make_app, smtp_sink, clock):
    app = make_app(
        WTF_CSRF_ENABLED=True,
        worker=True,
        MAIL_SERVER=smtp_sink.host,
        MAIL_PORT=smtp_sink.port,
        CLOCK=clock,
    )
    with app.app_context():
        from bwm.services.organizers import create_api_token, create_organizer

        user = create_organizer("csrf@example.com", "Cee", "first-password")
        create_api_token(user, name="old")
        db.session.commit()
        user_id = user.id
        token_id = db.session.scalar(select(ApiToken.id))
    client = app.test_client()
    login = {"email": "csrf@example.com", "password": "first-password"}
    assert (
        client.post("/login", data={**login, "csrf_token": csrf_of(client, "/login")}).status_code
        == 303
    )

    posts = {
        "/me/account/profile": {"name": "Changed", "language": "sv"},
        "/me/account/password": PASSWORD_CHANGE,
        "/me/account/email": {"email": "new@example.com", "password": "first-password"},
        "/me/account/tokens": {"token_name": "new"},
        f"/me/account/tokens/{token_id}/revoke": {},
    }
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 400, url
    user = stored(app, user_id)
    assert (user.name, user.language, user.email) == ("Cee", "en", "csrf@example.com")
    assert log_in(app.test_client(), "csrf@example.com", "first-password") == 400  # no token
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0

    # With the page's token they work: an address change, its link, then a reset.
    token = csrf_of(client, "/me/account")
    email = posts["/me/account/email"]
    assert client.post("/me/account/email", data={**email, "csrf_token": token}).status_code == 303
    [message] = mail_to(smtp_sink, "new@example.com")
    link = link_in(message, "/account/email/")
    other = app.test_client()
    assert other.post(link).status_code == 400
    assert other.post(link, data={"csrf_token": csrf_of(other, link)}).status_code == 303
    assert stored(app, user_id).email == "new@example.com"

    assert other.post("/login/forgot", data={"email": "new@example.com"}).status_code == 400
    forgot_token = csrf_of(other, "/login/forgot")
    response = other.post(
        "/login/forgot", data={"email": "new@example.com", "csrf_token": forgot_token}
    )
    assert response.status_code == 303
    reset = link_in(mail_to(smtp_sink, "new@example.com", 3)[-1], "/login/reset/")
    data = {"new_password": "reset-password", "confirm_password": "reset-password"}
    assert other.post(reset, data=data).status_code == 400
    assert other.post(reset, data={**data, "csrf_token": csrf_of(other, reset)}).status_code == 303


def test_the_account_pages_and_emails_in_swedish(app, client, login, make_user, smtp_sink):
    eva = make_user(email="eva@example.com", name="Eva Ek", password="first-password")
    with app.app_context():
        db.session.get(User, eva["id"]).language = "sv"
        db.session.commit()
    login(eva)
    page = soup(client.get("/me/account"))
    assert page.html["lang"] == "sv"
    assert page.find("h1").get_text(strip=True) == "Ditt konto"
    assert "Konto" in {a.get_text(strip=True) for a in page.find("nav").find_all("a")}
    text = words(page)
    for swedish in ("API-nycklar", "Nuvarande lösenord", "Ny e-postadress"):
        assert swedish in text, swedish
    wrong = client.post(
        "/me/account/email", data={"email": "eva2@example.com", "password": "wrong-password"}
    )
    assert "inte ditt nuvarande lösenord" in error_beside(soup(wrong), "password")
    client.post(
        "/me/account/email", data={"email": "eva2@example.com", "password": "first-password"}
    )
    [change] = mail_to(smtp_sink, "eva2@example.com")
    assert change["Subject"] == "Bekräfta din nya inloggningsadress"

    visitor = app.test_client()
    login_page = soup(visitor.get("/login", query_string={"lang": "sv"}))
    assert login_page.find("a", href="/login/forgot").get_text(strip=True) == "Glömt ditt lösenord?"
    assert (
        soup(visitor.get("/login/forgot")).find("h1").get_text(strip=True) == "Glömt ditt lösenord?"
    )
    forgot(visitor, "eva@example.com")
    sent = words(soup(visitor.get("/login/forgot/sent")))
    assert "Om ett konto har den adressen" in sent
    [reset] = mail_to(smtp_sink, "eva@example.com", 2)
    assert reset["Subject"] == "Välj ett nytt lösenord"
    assert (
        soup(visitor.get(link_in(reset, "/login/reset/"))).find("h1").get_text(strip=True)
        == "Välj ett nytt lösenord"
    )
