"""The admin view: only admins; organization settings with a preview of who is affected; users
(create, invite by email through a real SMTP server, bookings on/off, licence, admin)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from bwm.extensions import db
from bwm.models import User
from tests.conftest import soup

SETTINGS = {
    "bookings_enabled": "y",
    "user_policy": "none",
    "external_sharing": "y",
    "anonymous_sharing": "y",
    "max_detail": "free_busy",
}


@pytest.fixture
def app(make_app, smtp_sink, clock):
    return make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def admin(make_user):
    return make_user(email="ada@example.com", name="Ada Admin", slug="ada", admin=True)


@pytest.fixture
def ann(make_user):
    return make_user(email="ann@example.com", name="Ann Andersson", slug="ann")


@pytest.fixture
def bo(make_user):
    return make_user(email="bo@example.com", name="Bo Berg", slug="bo")


def words(node) -> str:
    return " ".join(node.get_text(" ").split())


def names(parsed: BeautifulSoup, list_id: str) -> list[str]:
    found = parsed.find(id=list_id)
    return [words(li) for li in found.find_all("li")] if found else []


def user_row(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


# --- who gets in ------------------------------------------------------------------------------


def test_signed_out_people_are_sent_to_the_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_organizers_who_are_not_admins_get_403(client, login, ann):
    login(ann)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "You may not see this" in response.text
    assert client.post("/admin/settings", data=SETTINGS).status_code == 403
    assert (
        client.post("/admin/users", data={"name": "X", "email": "x@example.com"}).status_code == 403
    )
    assert b"Admin</a>" not in client.get("/me/").data


def test_admins_see_settings_users_and_the_nav_link(client, login, admin, ann):
    login(admin)
    assert soup(client.get("/me/")).find("a", href="/admin/") is not None
    page = soup(client.get("/admin/"))
    form = page.find(id="org-settings")
    assert form.find("input", {"name": "bookings_enabled"}).has_attr("checked")
    assert form.find("input", {"name": "user_policy", "value": "none"}).has_attr("checked")
    assert form.find("input", {"name": "max_detail", "value": "free_busy"}).has_attr("checked")
    table = words(page.find(id="users"))
    assert "ann@example.com" in table and "ada@example.com" in table


# --- organization settings with a preview -----------------------------------------------------


def test_turning_bookings_off_is_previewed_then_saved(client, login, admin, ann, bo):
    login(admin)
    preview = client.post("/admin/settings/preview", data={**SETTINGS, "bookings_enabled": ""})
    assert preview.status_code == 200
    parsed = soup(preview)
    assert names(parsed, "going-offline") == [
        "Ada Admin <ada@example.com>",
        "Ann Andersson <ann@example.com>",
        "Bo Berg <bo@example.com>",
    ]
    assert client.get("/b/ann").status_code == 200  # nothing saved yet

    confirm = parsed.find(id="confirm")
    data = {i["name"]: i.get("value", "") for i in confirm.find_all("input")}
    assert "bookings_enabled" not in data
    saved = client.post(confirm["action"], data=data)
    assert saved.status_code == 303
    assert client.get("/b/ann").status_code == 404

    back = soup(client.post("/admin/settings/preview", data=SETTINGS))
    assert len(names(back, "coming-back")) == 3


def test_anonymous_access_off_warns_that_every_page_goes_offline(client, login, admin, ann):
    login(admin)
    parsed = soup(
        client.post("/admin/settings/preview", data={**SETTINGS, "anonymous_sharing": ""})
    )
    warning = words(parsed.find(id="anonymous-warning"))
    assert "Every booking page goes offline" in warning
    assert "Ann Andersson <ann@example.com>" in names(parsed, "going-offline")


def test_an_allow_list_preview_names_those_not_on_it(client, login, admin, ann):
    login(admin)
    response = client.post("/admin/settings/preview", data={**SETTINGS, "user_policy": "allow"})
    parsed = soup(response)
    assert names(parsed, "going-offline") == [
        "Ada Admin <ada@example.com>",
        "Ann Andersson <ann@example.com>",
    ]
    assert parsed.find(id="anonymous-warning") is None


def test_a_preview_with_no_change_says_so(client, login, admin):
    login(admin)
    response = client.post("/admin/settings/preview", data=SETTINGS, follow_redirects=True)
    assert "Nothing to change" in response.text


def test_a_bad_setting_is_422_and_nothing_changes(client, login, admin, runner):
    login(admin)
    response = client.post("/admin/settings", data={**SETTINGS, "max_detail": "everything"})
    assert response.status_code == 422
    assert "max_detail: free_busy" in runner.invoke(args=["org", "show"]).output


def test_lowering_the_maximum_says_how_many_shares_show_less(
    client, login, admin, ann, runner, clock
):
    runner.invoke(args=["org", "set", "--max-detail", "full"])
    from bwm.services import calendar_shares

    with client.application.app_context():
        owner = db.session.get(User, ann["id"])
        calendar_shares.create_share(
            owner, {"email": "x@example.org", "detail": "full"}, now=clock.now
        )
        calendar_shares.create_share(
            owner, {"email": "y@example.org", "detail": "limited"}, now=clock.now
        )
        db.session.commit()
    login(admin)
    parsed = soup(
        client.post("/admin/settings/preview", data={**SETTINGS, "max_detail": "limited"})
    )
    assert "1 shared calendar will show less detail" in words(parsed.find(id="detail-note"))
    parsed = soup(
        client.post(
            "/admin/settings/preview",
            data={**SETTINGS, "max_detail": "full", "external_sharing": ""},
        )
    )
    assert "All 2 shared calendar links stop working" in words(parsed.find(id="sharing-warning"))


# --- users ------------------------------------------------------------------------------------


def test_turning_a_user_off_with_no_list_asks_first_then_blocks_them(client, login, admin, ann, bo):
    login(admin)
    ask = client.post(f"/admin/users/{ann['id']}/bookings", data={"value": "off"})
    assert ask.status_code == 200
    parsed = soup(ask)
    assert "Block list" in words(parsed.find(id="policy-change"))
    assert client.get("/b/ann").status_code == 200  # not yet
    confirm = parsed.find(id="confirm")
    data = {i["name"]: i.get("value", "") for i in confirm.find_all("input")}
    assert client.post(confirm["action"], data=data).status_code == 303
    assert client.get("/b/ann").status_code == 404
    assert client.get("/b/bo").status_code == 200
    page = soup(client.get("/admin/"))
    assert names(page, "block-list") == ["Ann Andersson <ann@example.com>"]
    assert "on the block list" in words(page.find(id=f"user-{ann['id']}"))

    # With the block list in force, on and off need no confirmation.
    assert (
        client.post(f"/admin/users/{ann['id']}/bookings", data={"value": "on"}).status_code == 303
    )
    assert client.get("/b/ann").status_code == 200
    assert (
        client.post(f"/admin/users/{bo['id']}/bookings", data={"value": "off"}).status_code == 303
    )
    assert client.get("/b/bo").status_code == 404


def test_an_allow_list_is_shown_and_changed_from_the_users_table(client, login, admin, ann, runner):
    runner.invoke(args=["org", "set", "--user-policy", "allow"])
    login(admin)
    assert "Nobody is on the allow list" in client.get("/admin/").text
    assert (
        client.post(f"/admin/users/{ann['id']}/bookings", data={"value": "on"}).status_code == 303
    )
    assert names(soup(client.get("/admin/")), "allow-list") == ["Ann Andersson <ann@example.com>"]
    assert client.get("/b/ann").status_code == 200


def test_licence_and_admin_toggles(app, client, login, admin, ann):
    login(admin)
    assert client.post(f"/admin/users/{ann['id']}/licence", data={"value": "no"}).status_code == 303
    assert user_row(app, "ann@example.com").licensed is False
    assert client.get("/b/ann").status_code == 404
    assert (
        client.post(f"/admin/users/{ann['id']}/licence", data={"value": "yes"}).status_code == 303
    )
    assert client.get("/b/ann").status_code == 200
    assert client.post(f"/admin/users/{ann['id']}/admin", data={"value": "yes"}).status_code == 303
    assert user_row(app, "ann@example.com").is_admin is True
    assert client.post(f"/admin/users/{ann['id']}/admin", data={"value": "no"}).status_code == 303
    assert user_row(app, "ann@example.com").is_admin is False
    assert (
        client.post(f"/admin/users/{ann['id']}/admin", data={"value": "maybe"}).status_code == 400
    )
    assert client.post("/admin/users/999999/licence", data={"value": "no"}).status_code == 404


def test_admins_cannot_take_away_their_own_admin_rights(app, client, login, admin):
    login(admin)
    response = client.post(f"/admin/users/{admin['id']}/admin", data={"value": "no"})
    assert response.status_code == 303
    assert user_row(app, "ada@example.com").is_admin is True


def test_user_actions_need_the_csrf_token(make_app, make_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    root = make_user(email="root@example.com", name="Root", admin=True)
    target = make_user(email="tim@example.com", name="Tim")
    client = app.test_client()
    login_page = soup(client.get("/login"))
    token = login_page.find("input", {"name": "csrf_token"})["value"]
    client.post(
        "/login",
        data={"email": root["email"], "password": root["password"], "csrf_token": token},
    )
    response = client.post(f"/admin/users/{target['id']}/licence", data={"value": "no"})
    assert response.status_code == 400
    assert user_row(app, "tim@example.com").licensed is True


def test_create_a_user_with_a_password(client, login, admin):
    login(admin)
    response = client.post(
        "/admin/users",
        data={"name": "Cy Carlsson", "email": "Cy@Example.com", "password": "long-password"},
    )
    assert response.status_code == 303
    client.post("/logout")
    assert (
        client.post(
            "/login", data={"email": "cy@example.com", "password": "long-password"}
        ).status_code
        == 303
    )


def test_create_needs_a_password_or_an_invitation(client, login, admin):
    login(admin)
    response = client.post("/admin/users", data={"name": "Cy", "email": "cy@example.com"})
    assert response.status_code == 422
    assert "invite them by email" in response.text
    taken = client.post(
        "/admin/users",
        data={"name": "Ada 2", "email": "ada@example.com", "password": "long-password"},
    )
    assert taken.status_code == 409
    assert "already exists" in taken.text


def invite_link(message) -> str:
    text = message.get_body(("plain",)).get_content()
    return urlsplit(re.search(r"https?://\S+/invite/\S+", text).group(0)).path


def test_an_invitation_arrives_by_email_and_sets_the_password_once(
    app, client, login, admin, smtp_sink
):
    login(admin)
    response = client.post(
        "/admin/users", data={"name": "Dag Dahl", "email": "dag@example.com", "invite": "y"}
    )
    assert response.status_code == 303
    assert smtp_sink.wait_for(1)
    message = smtp_sink.messages[0]
    assert message["To"] == "dag@example.com"
    link = invite_link(message)
    client.post("/logout")

    form = client.get(link)
    assert form.status_code == 200
    assert "Dag Dahl" in form.text
    mismatch = client.post(link, data={"password": "new-password-1", "confirm": "other-one"})
    assert mismatch.status_code == 422
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422
    done = client.post(link, data={"password": "new-password-1", "confirm": "new-password-1"})
    assert done.status_code == 303
    assert "/login" in done.headers["Location"]
    login({"email": "dag@example.com", "password": "new-password-1"})

    client.post("/logout")
    again = client.get(link)
    assert again.status_code == 410
    assert "already been used" in again.text
    reuse = client.post(link, data={"password": "other-password", "confirm": "other-password"})
    assert reuse.status_code == 410
    login({"email": "dag@example.com", "password": "new-password-1"})


def test_an_invitation_expires_and_a_tampered_one_is_404(
    app, client, login, admin, smtp_sink, clock
):
    login(admin)
    client.post("/admin/users", data={"name": "Eva", "email": "eva@example.com", "invite": "y"})
    assert smtp_sink.wait_for(1)
    link = invite_link(smtp_sink.messages[0])
    assert client.get(link[:-3] + "xyz").status_code == 404
    clock.now += timedelta(days=8)
    expired = client.get(link)
    assert expired.status_code == 410
    assert "expired" in expired.text


def test_an_invited_user_cannot_log_in_before_choosing_a_password(client, login, admin, smtp_sink):
    login(admin)
    client.post("/admin/users", data={"name": "Fia", "email": "fia@example.com", "invite": "y"})
    client.post("/logout")
    response = client.post("/login", data={"email": "fia@example.com", "password": ""})
    assert response.status_code == 422
