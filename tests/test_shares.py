"""Sharing a calendar with someone outside: the API and /me/shares, the invitee's email (real
SMTP), /c/<token> with its week navigation and /c/<token>.ics at each level of detail, the
organization's maximum and switches, revoking, and colleagues' calendars in /me."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.conftest import soup
from tests.helpers import next_weekday

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def words(node) -> str:
    return " ".join(node.get_text(" ").split())


def monday_at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(next_weekday(0), datetime.min.time(), STOCKHOLM).replace(
        hour=hour, minute=minute
    )


def path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def cli(runner, *args: str) -> None:
    result = runner.invoke(args=list(args))
    assert result.exit_code == 0, result.output


@pytest.fixture
def app(make_app, smtp_sink):
    return make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port)


@pytest.fixture
def olga(make_user, make_token, client):
    """Olga: a type with a location and description, one booking of it and a busy block."""
    user = make_user(
        email="olga@example.com", name="Olga Organizer", slug="olga", timezone="Europe/Stockholm"
    )
    headers = make_token(user["id"])
    created = client.post(
        "/api/v1/me/meeting-types",
        json={
            "title": "Office visit",
            "slug": "visit",
            "duration_minutes": 60,
            "location_kind": "in_person",
            "location": "Storgatan 1, Stockholm",
            "description": "Ring the bell twice.",
        },
        headers=headers,
    )
    assert created.status_code == 201
    booked = client.post(
        "/api/v1/pages/olga/types/visit/bookings",
        json={"start": monday_at(10).isoformat(), "name": "Anna", "email": "anna@example.org"},
    )
    assert booked.status_code == 201, booked.json
    block = client.post(
        "/api/v1/me/busy",
        json={
            "start": monday_at(14).isoformat(),
            "end": monday_at(15).isoformat(),
            "title": "Dentist",
        },
        headers=headers,
    )
    assert block.status_code == 201
    return {**user, "headers": headers}


def share(client, olga, email="eve@example.net", detail="free_busy", code=201) -> dict:
    response = client.post(
        "/api/v1/me/calendar-shares",
        json={"email": email, "detail": detail},
        headers=olga["headers"],
    )
    assert response.status_code == code, response.json
    return response.json


def mail_to(sink, address: str):
    """Return the one message to address (the booking's two emails come first)."""
    assert sink.wait_for(3)
    (message,) = [m for m in sink.messages if m["To"] == address]
    return message


def events(client, share_json) -> list:
    response = client.get(path(share_json["ics_url"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    return [c for c in Calendar.from_ical(response.data).walk() if c.name == "VEVENT"]


def summaries(found) -> list[str]:
    return sorted(str(e["SUMMARY"]) for e in found)


# --- the API ----------------------------------------------------------------------------------


def test_sharing_answers_201_and_the_invitee_gets_the_link_by_email(client, olga, smtp_sink):
    body = share(client, olga)
    assert set(body) >= {"id", "url", "ics_url", "detail"}
    assert body["detail"] == "free_busy"
    assert re.fullmatch(r"http://bwm\.example\.com/c/[^/]+", body["url"])
    assert body["ics_url"] == body["url"] + ".ics"
    message = mail_to(smtp_sink, "eve@example.net")
    assert "Olga Organizer" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    assert body["url"] in text and body["ics_url"] in text

    listed = client.get("/api/v1/me/calendar-shares", headers=olga["headers"]).json
    assert [s["id"] for s in listed["calendar_shares"]] == [body["id"]]
    assert listed["calendar_shares"][0]["state"] == "active"


def test_bad_input_is_422_naming_the_fields(client, olga):
    body = share(client, olga, email="not an address", detail="everything", code=422)
    assert set(body["errors"]) == {"email", "detail"}
    assert "email" in share(client, olga, email="olga@example.com", code=422)["errors"]
    response = client.post("/api/v1/me/calendar-shares", data="nope", headers=olga["headers"])
    assert response.status_code == 422


@pytest.mark.parametrize("detail", ["limited", "full"])
def test_a_share_above_the_maximum_is_refused(client, olga, detail):
    body = share(client, olga, detail=detail, code=422)
    assert list(body["errors"]) == ["detail"]
    assert "free_busy" in body["errors"]["detail"]


def test_sharing_twice_with_one_address_is_409(client, olga):
    share(client, olga)
    share(client, olga, email="Eve@Example.net", code=409)


def test_the_api_needs_a_token_and_hides_other_organizers_shares(
    client, olga, make_user, make_token
):
    assert client.get("/api/v1/me/calendar-shares").status_code == 401
    body = share(client, olga)
    other = make_token(make_user(email="bo@example.com", slug="bo")["id"])
    assert client.get("/api/v1/me/calendar-shares", headers=other).json == {"calendar_shares": []}
    assert (
        client.delete(f"/api/v1/me/calendar-shares/{body['id']}", headers=other).status_code == 404
    )
    assert client.get(path(body["url"])).status_code == 200


# --- what each level shows --------------------------------------------------------------------


def test_free_busy_shows_busy_times_only(client, olga):
    body = share(client, olga)
    found = events(client, body)
    assert summaries(found) == ["Busy", "Busy"]
    assert all("LOCATION" not in e and "DESCRIPTION" not in e for e in found)
    starts = sorted(e.decoded("DTSTART") for e in found)
    assert starts == [monday_at(10), monday_at(14)]
    page = client.get(path(body["url"]) + f"?week={monday_at(10).date().isoformat()}")
    text = words(soup(page))
    assert "Office visit" not in text and "Dentist" not in text and "Busy" in text


def test_limited_adds_subject_and_location(client, olga, runner):
    cli(runner, "org", "set", "--max-detail", "limited")
    body = share(client, olga, detail="limited")
    found = events(client, body)
    assert summaries(found) == ["Dentist", "Office visit"]
    visit = next(e for e in found if str(e["SUMMARY"]) == "Office visit")
    assert str(visit["LOCATION"]) == "Storgatan 1, Stockholm"
    assert all("DESCRIPTION" not in e for e in found)


def test_full_adds_the_description(client, olga, runner):
    cli(runner, "org", "set", "--max-detail", "full")
    body = share(client, olga, detail="full")
    found = events(client, body)
    visit = next(e for e in found if str(e["SUMMARY"]) == "Office visit")
    assert "Ring the bell twice." in str(visit["DESCRIPTION"])
    page = client.get(path(body["url"]) + f"?week={monday_at(10).date().isoformat()}")
    text = words(soup(page))
    assert "Office visit" in text and "Storgatan 1" in text and "Ring the bell twice." in text


def test_cancelled_bookings_are_not_shown(client, olga):
    bookings = client.get("/api/v1/me/bookings", headers=olga["headers"]).json["bookings"]
    cancelled = client.post(
        f"/api/v1/me/bookings/{bookings[0]['uid']}/cancel", headers=olga["headers"]
    )
    assert cancelled.status_code == 200
    found = events(client, share(client, olga))
    assert [e.decoded("DTSTART") for e in found] == [monday_at(14)]


# --- connected calendars' events -------------------------------------------------------------

SYNCED_SUMMARY = "Board meeting: Q3 numbers"
SYNCED_LOCATION = "Room Aurora, floor 5"
SYNCED_DESCRIPTION = "Draft figures <b>only</b> & notes.\nDo not forward."
LEVELS_SHOW = {
    "free_busy": (),
    "limited": (SYNCED_SUMMARY, SYNCED_LOCATION),
    "full": (SYNCED_SUMMARY, SYNCED_LOCATION, SYNCED_DESCRIPTION),
}


@pytest.fixture
def synced(client, olga, feed):
    """Olga's connected feed, synced: one event, Monday 16:00-17:00, with all three texts."""
    day = monday_at(16)
    body = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//tests//EN",
            "BEGIN:VEVENT",
            "UID:board@tests",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART;TZID=Europe/Stockholm:{day:%Y%m%dT%H%M%S}",
            f"DTEND;TZID=Europe/Stockholm:{day + timedelta(hours=1):%Y%m%dT%H%M%S}",
            "SUMMARY:Board meeting: Q3 numbers",
            "LOCATION:Room Aurora\\, floor 5",
            "DESCRIPTION:Draft figures <b>only</b> & notes.\\nDo not forward.",
            "END:VEVENT",
            "END:VCALENDAR",
            "",
        ]
    )
    connected = client.post(
        "/api/v1/me/calendars",
        json={"kind": "ics", "url": feed.route("/olga.ics", body)},
        headers=olga["headers"],
    )
    assert connected.status_code == 201, connected.json
    answer = client.post(
        f"/api/v1/me/calendars/{connected.json['id']}/sync", headers=olga["headers"]
    )
    assert answer.json["status"] == "ok", answer.json


def seen(client, share_json) -> tuple[dict, str, str]:
    """What a visitor gets: the synced VEVENT's properties, the whole .ics unfolded, the page."""
    response = client.get(path(share_json["ics_url"]))
    assert response.status_code == 200
    (event,) = [
        e
        for e in Calendar.from_ical(response.data).walk("VEVENT")
        if e.decoded("DTSTART") == monday_at(16)
    ]
    properties = {
        key: str(event[key]) for key in ("SUMMARY", "LOCATION", "DESCRIPTION") if key in event
    }
    ics_text = response.data.decode().replace("\r\n ", "")  # unfold long lines
    page = client.get(path(share_json["url"]) + f"?week={monday_at(16).date().isoformat()}")
    assert page.status_code == 200
    return properties, ics_text, words(soup(page))


def assert_shows(client, share_json, level: str) -> None:
    """The synced event shows exactly the texts of `level`, in the .ics and on the page."""
    properties, ics_text, page = seen(client, share_json)
    shown = LEVELS_SHOW[level]
    if level == "free_busy":
        assert properties == {"SUMMARY": "Busy"}
    else:
        expected = dict(zip(("SUMMARY", "LOCATION", "DESCRIPTION"), shown, strict=False))
        assert properties == expected
    for text in shown:
        assert " ".join(text.split()) in page
    for text in {SYNCED_SUMMARY, SYNCED_LOCATION, SYNCED_DESCRIPTION} - set(shown):
        for piece in text.splitlines():  # a higher level's text, in no form at all
            assert piece not in page
            assert piece not in ics_text
            assert piece.replace(",", "\\,") not in ics_text


@pytest.mark.parametrize("level", ["free_busy", "limited", "full"])
def test_a_connected_calendars_event_shows_what_the_level_allows(
    client, olga, synced, runner, level
):
    cli(runner, "org", "set", "--max-detail", "full")
    body = share(client, olga, detail=level)
    assert_shows(client, body, level)


def test_free_busy_shows_connected_events_as_busy_like_the_rest(client, olga, synced):
    body = share(client, olga)
    found = events(client, body)
    assert summaries(found) == ["Busy", "Busy", "Busy"]  # the booking, the block, the event
    page = soup(client.get(path(body["url"]) + f"?week={monday_at(16).date().isoformat()}"))
    assert [words(s) for s in page.select(".week-event .summary")] == ["Busy"] * 3


def test_lowering_the_maximum_hides_connected_events_details_at_once(client, olga, synced, runner):
    cli(runner, "org", "set", "--max-detail", "full")
    body = share(client, olga, detail="full")
    assert_shows(client, body, "full")
    cli(runner, "org", "set", "--max-detail", "limited")
    assert_shows(client, body, "limited")
    cli(runner, "org", "set", "--max-detail", "free_busy")
    assert_shows(client, body, "free_busy")
    cli(runner, "org", "set", "--max-detail", "full")
    assert_shows(client, body, "full")


def vevent(uid: str, start: datetime, summary: str) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        f"DTSTART;TZID=Europe/Stockholm:{start:%Y%m%dT%H%M%S}",
        f"DTEND;TZID=Europe/Stockholm:{start + timedelta(hours=1):%Y%m%dT%H%M%S}",
        f"SUMMARY:{summary}",
        "END:VEVENT",
    ]


def test_a_sync_that_finds_a_change_keeps_the_other_events_uids(client, olga, feed, runner):
    """A changed sync writes all the calendar's rows again; a subscriber must still see the
    unchanged events as the same events, and only what changed as changed."""

    def serve(*events: list[str]) -> str:
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//EN"]
        for event in events:
            lines += event
        return feed.route("/olga.ics", "\r\n".join([*lines, "END:VCALENDAR", ""]))

    def sync(calendar_id: int) -> None:
        answer = client.post(f"/api/v1/me/calendars/{calendar_id}/sync", headers=olga["headers"])
        assert answer.json["status"] == "ok", answer.json

    def uids(share_json) -> dict[tuple[datetime, str], str]:
        return {
            (e.decoded("DTSTART"), str(e["SUMMARY"])): str(e["UID"])
            for e in events(client, share_json)
        }

    url = serve(
        vevent("a@tests", monday_at(16), "Standup"), vevent("b@tests", monday_at(18), "1:1")
    )
    connected = client.post(
        "/api/v1/me/calendars", json={"kind": "ics", "url": url}, headers=olga["headers"]
    )
    assert connected.status_code == 201, connected.json
    sync(connected.json["id"])
    cli(runner, "org", "set", "--max-detail", "full")
    body = share(client, olga, detail="full")
    before = uids(body)
    assert {(monday_at(16), "Standup"), (monday_at(18), "1:1")} <= set(before)

    serve(
        vevent("c@tests", monday_at(12), "Lunch"),
        vevent("a@tests", monday_at(16), "Standup, moved room"),
        vevent("b@tests", monday_at(18), "1:1"),
    )
    sync(connected.json["id"])
    after = uids(body)

    assert after[(monday_at(18), "1:1")] == before[(monday_at(18), "1:1")]
    # Renamed, same time: the same event, told with its new summary.
    assert after[(monday_at(16), "Standup, moved room")] == before[(monday_at(16), "Standup")]
    assert after[(monday_at(12), "Lunch")] not in before.values()
    assert len(set(after.values())) == len(after)
    # A synced event's key says nothing of the calendar's rows or of what the event is.
    synced = [after[key] for key in after if key[1] in ("Lunch", "Standup, moved room", "1:1")]
    for uid in synced:
        assert re.fullmatch(r"synced-[0-9a-f]{24}-[0-9a-f]{12}@bwm", uid), uid


def test_two_synced_events_at_the_same_time_keep_apart(client, olga, feed, runner):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tests//EN"]
    lines += vevent("a@tests", monday_at(16), "Standup")
    lines += vevent("b@tests", monday_at(16), "Also standup")
    url = feed.route("/olga.ics", "\r\n".join([*lines, "END:VCALENDAR", ""]))
    connected = client.post(
        "/api/v1/me/calendars", json={"kind": "ics", "url": url}, headers=olga["headers"]
    )
    answer = client.post(
        f"/api/v1/me/calendars/{connected.json['id']}/sync", headers=olga["headers"]
    )
    assert answer.json["status"] == "ok", answer.json
    cli(runner, "org", "set", "--max-detail", "full")
    found = [
        e
        for e in events(client, share(client, olga, detail="full"))
        if "tandup" in str(e["SUMMARY"])
    ]
    assert sorted(str(e["SUMMARY"]) for e in found) == ["Also standup", "Standup"]
    assert len({str(e["UID"]) for e in found}) == 2


# --- the organization's maximum and switches --------------------------------------------------


def test_lowering_the_maximum_lowers_existing_shares_at_once(client, olga, runner):
    cli(runner, "org", "set", "--max-detail", "full")
    body = share(client, olga, detail="full")
    assert "Office visit" in summaries(events(client, body))

    cli(runner, "org", "set", "--max-detail", "free_busy")
    assert summaries(events(client, body)) == ["Busy", "Busy"]
    listed = client.get("/api/v1/me/calendar-shares", headers=olga["headers"]).json
    assert listed["calendar_shares"][0]["detail"] == "full"
    assert listed["calendar_shares"][0]["shown_detail"] == "free_busy"
    assert "Free/busy only" in client.get(path(body["url"])).text

    cli(runner, "org", "set", "--max-detail", "limited")
    found = events(client, body)
    assert "Office visit" in summaries(found)
    assert all("DESCRIPTION" not in e for e in found)


@pytest.mark.parametrize("switch", ["--sharing", "--anonymous-sharing"])
def test_sharing_or_anonymous_access_off_closes_every_link(client, olga, runner, switch):
    body = share(client, olga)
    cli(runner, "org", "set", switch, "off")
    for url in (path(body["url"]), path(body["ics_url"])):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "no longer shares calendars" in words(soup(response))
    listed = client.get("/api/v1/me/calendar-shares", headers=olga["headers"]).json
    assert listed["calendar_shares"][0]["state"] == "closed"
    refused = client.post(
        "/api/v1/me/calendar-shares",
        json={"email": "zed@example.net", "detail": "free_busy"},
        headers=olga["headers"],
    )
    assert refused.status_code == 403

    cli(runner, "org", "set", switch, "on")
    assert client.get(path(body["url"])).status_code == 200
    assert client.get(path(body["ics_url"])).status_code == 200


def test_a_revoked_share_is_410_and_a_tampered_one_404(client, olga):
    body = share(client, olga)
    response = client.delete(f"/api/v1/me/calendar-shares/{body['id']}", headers=olga["headers"])
    assert response.status_code == 204
    for url in (path(body["url"]), path(body["ics_url"])):
        gone = client.get(url)
        assert gone.status_code == 410
        assert "withdrawn" in gone.text
    assert client.get(path(body["url"])[:-4] + "abcd").status_code == 404
    assert client.get("/c/not-a-token.ics").status_code == 404
    listed = client.get("/api/v1/me/calendar-shares", headers=olga["headers"]).json
    assert listed["calendar_shares"][0]["state"] == "revoked"
    share(client, olga)  # the address can be shared with again


# --- the week view ----------------------------------------------------------------------------


def test_the_week_page_navigates_by_week_with_and_without_htmx(client, olga):
    body = share(client, olga)
    monday = monday_at(10).date()
    url = path(body["url"])
    page = client.get(f"{url}?week={(monday + timedelta(days=3)).isoformat()}")
    assert page.status_code == 200
    parsed = soup(page)
    week = parsed.find(id="shared-week")
    assert week is not None
    assert len(week.select(".week-day")) == 7
    assert week.find("time", datetime=monday.isoformat()) is not None
    assert len(week.select(".week-event")) == 2

    next_link = week.find("a", rel="next")
    prev_link = week.find("a", rel="prev")
    assert next_link["href"] == next_link["hx-get"]
    assert next_link["hx-target"] == "#shared-week"
    assert f"week={(monday + timedelta(days=7)).isoformat()}" in next_link["href"]
    assert f"week={(monday - timedelta(days=7)).isoformat()}" in prev_link["href"]

    fragment = client.get(next_link["href"], headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "Vary" in fragment.headers and "HX-Request" in fragment.headers["Vary"]
    assert b"<html" not in fragment.data
    piece = soup(fragment)
    assert piece.find(id="shared-week") is not None
    assert piece.select(".week-event") == []  # nothing in the following week

    plain = client.get(next_link["href"])
    assert b"<html" in plain.data and soup(plain).find(id="shared-week") is not None


def test_a_bad_week_falls_back_to_this_week(client, olga):
    body = share(client, olga)
    assert client.get(path(body["url"]) + "?week=someday").status_code == 200


def test_the_public_page_makes_no_session(client, olga):
    body = share(client, olga)
    response = client.get(path(body["url"]))
    assert "Set-Cookie" not in response.headers


# --- /me/shares ---------------------------------------------------------------------------------


def test_organizers_share_list_and_revoke_in_me(client, olga, login, smtp_sink):
    login(olga)
    page = soup(client.get("/me/shares"))
    options = [o["value"] for o in page.find("select", {"name": "detail"}).find_all("option")]
    assert options == ["free_busy"]  # up to the organization's maximum

    created = client.post("/me/shares", data={"email": "eve@example.net", "detail": "free_busy"})
    assert created.status_code == 303
    assert "/c/" in mail_to(smtp_sink, "eve@example.net").get_body(("plain",)).get_content()
    listing = soup(client.get("/me/shares"))
    row = listing.find(id=re.compile(r"^share-\d+$"))
    assert "eve@example.net" in words(row)
    link = row.find("a", string="Page")["href"]
    assert client.get(path(link)).status_code == 200

    revoke = row.find("form")["action"]
    assert client.post(revoke).status_code == 303
    assert "Revoked" in words(soup(client.get("/me/shares")).find(id=row["id"]))
    assert client.get(path(link)).status_code == 410


def test_the_form_refuses_a_level_above_the_maximum(client, olga, login):
    login(olga)
    response = client.post("/me/shares", data={"email": "eve@example.net", "detail": "full"})
    assert response.status_code == 422
    assert "maximum" in response.text
    bad = client.post("/me/shares", data={"email": "nope", "detail": "free_busy"})
    assert bad.status_code == 422


def test_the_shares_page_says_when_sharing_is_closed(client, olga, login, runner):
    login(olga)
    cli(runner, "org", "set", "--sharing", "off")
    page = soup(client.get("/me/shares"))
    assert page.find(id="sharing-closed") is not None
    response = client.post("/me/shares", data={"email": "eve@example.net", "detail": "free_busy"})
    assert response.status_code == 403


def test_another_organizers_share_cannot_be_revoked_in_me(client, olga, make_user, login):
    body = share(client, olga)
    login(make_user(email="bo@example.com", slug="bo"))
    assert client.post(f"/me/shares/{body['id']}/revoke").status_code == 404


# --- colleagues -------------------------------------------------------------------------------


def test_a_colleague_sees_the_shared_calendar_beside_their_own(
    client, olga, make_user, make_token, login, runner
):
    bo = make_user(email="bo@example.com", name="Bo Berg", slug="bo", timezone="Europe/Stockholm")
    bo_headers = make_token(bo["id"])
    client.post(
        "/api/v1/me/busy",
        json={
            "start": monday_at(8).isoformat(),
            "end": monday_at(9).isoformat(),
            "title": "Standup",
        },
        headers=bo_headers,
    )
    cli(runner, "org", "set", "--max-detail", "limited")
    body = share(client, olga, email="bo@example.com", detail="limited")

    login(bo)
    listing = soup(client.get("/me/shares"))
    link = listing.find(id="shared-with-me").find("a", string="Olga Organizer")
    week = monday_at(10).date().isoformat()
    page = client.get(f"{link['href']}&week={week}")
    assert page.status_code == 200
    parsed = soup(page)
    mine = words(parsed.find(id="my-week"))
    theirs = words(parsed.find(id="their-week"))
    assert "Standup" in mine
    assert "Office visit" in theirs and "Dentist" in theirs
    assert "Ring the bell" not in theirs  # limited: no description
    picker = parsed.find(id="colleague-picker")
    assert [o.get_text(strip=True) for o in picker.find_all("option")] == ["Olga Organizer"]

    fragment = client.get(f"{link['href']}&week={week}", headers={"HX-Request": "true"})
    assert b"<html" not in fragment.data
    assert soup(fragment).find(id="side-by-side") is not None

    # Inside the organization the outside switches don't apply; the maximum does.
    cli(runner, "org", "set", "--sharing", "off", "--max-detail", "free_busy")
    theirs = words(soup(client.get(f"{link['href']}&week={week}")).find(id="their-week"))
    assert "Office visit" not in theirs and "Busy" in theirs
    assert client.get(path(body["url"])).status_code == 403

    client.delete(f"/api/v1/me/calendar-shares/{body['id']}", headers=olga["headers"])
    assert client.get(link["href"]).status_code == 404


def test_nobody_else_opens_a_colleague_share(client, olga, make_user, login):
    body = share(client, olga, email="bo@example.com")
    make_user(email="bo@example.com", slug="bo")
    login(make_user(email="cy@example.com", slug="cy"))
    assert client.get(f"/me/shares/calendar?with={body['id']}").status_code == 404
    own = client.get("/me/shares/calendar")
    assert own.status_code == 200
    assert soup(own).find(id="my-week") is not None
