"""Rotating the secret key: what was signed or encrypted with an older key keeps working."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.test_booking import monday_at


def path(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture
def before(make_app, make_user, make_token, feed):
    """Everything a team has out in the world, made under the old key."""
    app = make_app(SECRET_KEY="the-old-key")
    client = app.test_client()
    user = make_user(slug="olga", email="olga@example.com")
    headers = make_token(user["id"])
    types = client.get("/api/v1/me/meeting-types", headers=headers).json["meeting_types"]
    private = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Secret", "duration_minutes": 30, "visibility": "private"},
        headers=headers,
    ).json
    link = client.post(
        f"/api/v1/me/meeting-types/{private['id']}/links", json={}, headers=headers
    ).json
    booked = client.post(
        f"/api/v1/pages/olga/types/{types[0]['slug']}/bookings",
        json={"start": monday_at(10).isoformat(), "name": "Ann", "email": "ann@example.org"},
    ).json
    share = client.post(
        "/api/v1/me/calendar-shares",
        json={"email": "eve@example.net", "detail": "free_busy"},
        headers=headers,
    ).json
    calendar = client.post(
        "/api/v1/me/calendars",
        json={"kind": "ics", "url": feed.url("/olga.ics"), "username": "o", "password": "s3cret"},
        headers=headers,
    ).json
    assert client.post("/login", data={"email": user["email"], "password": user["password"]})
    session = client.get_cookie("session")
    return {
        "user": user,
        "headers": headers,
        "link": link["url"],
        "manage": booked["manage_url"],
        "share": share["url"],
        "calendar": calendar["id"],
        "session": session.value,
    }


def works(client, before) -> dict[str, int]:
    return {
        "link": client.get(path(before["link"])).status_code,
        "manage": client.get(path(before["manage"])).status_code,
        "manage api": client.get(
            "/api/v1/bookings/" + path(before["manage"]).rsplit("/", 1)[1]
        ).status_code,
        "share": client.get(path(before["share"])).status_code,
        "share feed": client.get(path(before["share"]) + ".ics").status_code,
    }


def password(app, calendar_id: int) -> str:
    from bwm.extensions import db
    from bwm.models import ConnectedCalendar
    from bwm.services.calendars import decrypt_password

    with app.app_context():
        return decrypt_password(db.session.get(ConnectedCalendar, calendar_id).password_encrypted)


ALL_OK = {"link": 200, "manage": 200, "manage api": 200, "share": 200, "share feed": 200}


def test_links_sessions_and_passwords_survive_a_rotation(make_app, before):
    # As BWM_SECRET_KEY_FALLBACKS gives it: text, comma-separated.
    rotated = make_app(SECRET_KEY="the-new-key", SECRET_KEY_FALLBACKS="an-older-one, the-old-key")
    client = rotated.test_client()
    assert works(client, before) == ALL_OK
    client.set_cookie("session", before["session"])
    assert client.get("/me/").status_code == 200  # still signed in
    assert password(rotated, before["calendar"]) == "s3cret"

    result = rotated.test_cli_runner().invoke(args=["rotate-secrets"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 calendar password" in result.output

    # The passwords no longer need the old key; links signed with it still do.
    without_old = make_app(SECRET_KEY="the-new-key")
    assert password(without_old, before["calendar"]) == "s3cret"
    assert works(without_old.test_client(), before) == {key: 404 for key in ALL_OK}


def test_a_new_key_without_fallbacks_breaks_old_links_and_says_so_for_passwords(make_app, before):
    from bwm.calendars import CalendarError

    other = make_app(SECRET_KEY="someone-elses-key")
    assert works(other.test_client(), before) == {key: 404 for key in ALL_OK}
    with pytest.raises(CalendarError, match="can't be read"):
        password(other, before["calendar"])
    result = other.test_cli_runner().invoke(args=["rotate-secrets"])
    assert result.exit_code == 1
    assert "nothing was changed" in result.output
    assert password(make_app(SECRET_KEY="the-old-key"), before["calendar"]) == "s3cret"
