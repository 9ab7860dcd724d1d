"""Hostile input, on both databases: every answer is a 4xx naming what was wrong, never a 500, and
nothing stored changes. Found by feeding the API inputs generated from its OpenAPI document and
forms hostile values (issue 14)."""

from datetime import datetime

import pytest

from bwm.web import RowId

HUGE_IDS = [2**31, 2**63, 2**64 + 1]
FAR_DATES = ["9999-12-31", "0001-01-01"]


@pytest.fixture
def app(make_app, clock):
    clock.now = datetime.fromisoformat("2027-03-01T08:00:00+00:00")
    return make_app(CLOCK=clock)


@pytest.fixture
def organizer(make_user, make_token):
    # An administrator, so that the admin paths answer past their 403.
    user = make_user(slug="ann", timezone="Europe/Stockholm", admin=True)
    return {**user, "headers": make_token(user["id"])}


def free_start(client) -> str:
    slots = client.get(
        "/api/v1/pages/ann/types/30-minute-meeting/slots",
        query_string={"start": "2027-03-02", "end": "2027-03-03"},
    ).json["slots"]
    return slots[0]


def book(client, **extra):
    body = {"start": free_start(client), "name": "Bo", "email": "bo@example.org", **extra}
    return client.post("/api/v1/pages/ann/types/30-minute-meeting/bookings", json=body)


def int_rules(app):
    """Every route of the app with a number in its path."""
    for rule in app.url_map.iter_rules():
        if any(isinstance(c, RowId) for c in rule._converters.values()):
            yield rule


def test_every_numbered_path_is_404_for_an_id_no_row_can_have(app, client, organizer, login):
    login(organizer)
    rules = list(int_rules(app))
    assert len(rules) > 10, "the API and the organizer's pages have numbered paths"
    for rule in rules:
        for huge in HUGE_IDS:
            values = {name: huge for name in rule.arguments}
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", str(values[name]))
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method, headers=organizer["headers"])
                assert response.status_code == 404, (method, path, response.status_code)


@pytest.mark.parametrize("day", FAR_DATES)
def test_dates_at_the_calendars_ends_are_422(client, organizer, day):
    headers = organizer["headers"]
    slots = "/api/v1/pages/ann/types/30-minute-meeting/slots"
    for query, field in (
        ({"start": day}, "start"),
        ({"start": "2027-03-02", "end": day}, "end"),
        ({"end": day}, "end"),
    ):
        response = client.get(slots, query_string=query)
        assert response.status_code == 422 and field in response.json["errors"], query
    for field in ("from", "to"):
        response = client.get("/api/v1/me/bookings", query_string={field: day}, headers=headers)
        assert response.status_code == 422 and field in response.json["errors"]
    instant = f"{day}T23:59:00+00:00" if day.startswith("9") else f"{day}T00:00:00+00:00"
    response = client.post(
        "/api/v1/pages/ann/types/30-minute-meeting/bookings",
        json={"start": instant, "name": "Bo", "email": "bo@example.org"},
    )
    assert response.status_code == 422 and "start" in response.json["errors"]
    for body, field in (
        ({"start": instant, "end": "2027-03-02T10:00:00+00:00"}, "start"),
        ({"start": "2027-03-02T10:00:00+00:00", "end": instant}, "end"),
    ):
        response = client.post("/api/v1/me/busy", json=body, headers=headers)
        assert response.status_code == 422 and field in response.json["errors"], body
    manage = book(client).json["manage_url"]
    token = manage.rsplit("/", 1)[1]
    response = client.patch(f"/api/v1/bookings/{token}", json={"start": instant})
    assert response.status_code == 422 and "start" in response.json["errors"]
    uid = client.get(f"/api/v1/bookings/{token}").json["booking"]["uid"]
    response = client.patch(f"/api/v1/me/bookings/{uid}", json={"start": instant}, headers=headers)
    assert response.status_code == 422 and "start" in response.json["errors"]
    assert client.get("/api/v1/me/busy", headers=headers).json == {"busy": []}


@pytest.mark.parametrize("day", FAR_DATES)
def test_the_booking_and_reschedule_pages_refuse_far_dates(client, organizer, day):
    instant = f"{day}T00:00:00+00:00"
    for path in (
        "/b/ann/30-minute-meeting",
        "/b/ann/30-minute-meeting/book",
    ):
        for query in ({"start": instant}, {"date": day}, {"month": day[:7]}):
            response = client.get(path, query_string=query)
            assert response.status_code < 500, (path, query, response.status_code)
    manage = book(client).json["manage_url"]
    token = manage.rsplit("/", 1)[1]
    for path in (f"/m/{token}/reschedule", f"/m/{token}/reschedule/confirm"):
        for query in ({"start": instant}, {"date": day}, {"month": day[:7]}):
            response = client.get(path, query_string=query)
            assert response.status_code < 500, (path, query, response.status_code)
    response = client.post(
        "/b/ann/30-minute-meeting/book",
        data={"start": instant, "name": "Bo", "email": "bo@example.org", "timezone": "UTC"},
    )
    assert response.status_code < 500


def test_a_list_where_an_address_belongs_is_422(client, organizer):
    response = book(client, email=["bo@example.org"])
    assert response.status_code == 422 and "email" in response.json["errors"]
    response = client.post(
        "/api/v1/me/calendar-shares",
        json={"email": ["eve@example.org"], "detail": "full"},
        headers=organizer["headers"],
    )
    assert response.status_code == 422 and "email" in response.json["errors"]


def test_json_nested_thousands_deep_is_422_naming_the_body(client, organizer):
    deep = "[" * 3000 + "]" * 3000
    for path, headers in (
        ("/api/v1/pages/ann/types/30-minute-meeting/bookings", {}),
        ("/api/v1/me/meeting-types", organizer["headers"]),
    ):
        response = client.post(path, data=deep, content_type="application/json", headers=headers)
        assert response.status_code == 422 and "body" in response.json["errors"], path
    deep_object = '{"title": ' + "[" * 3000 + "]" * 3000 + "}"
    response = client.post(
        "/api/v1/me/meeting-types",
        data=deep_object,
        content_type="application/json",
        headers=organizer["headers"],
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://[::1]:99999/x.ics", "https://", "ftp://example.com/x.ics"]
)
def test_a_broken_calendar_address_is_422(client, organizer, url):
    response = client.post(
        "/api/v1/me/calendars", json={"kind": "ics", "url": url}, headers=organizer["headers"]
    )
    assert response.status_code == 422 and "url" in response.json["errors"]
    assert client.get("/api/v1/me/calendars", headers=organizer["headers"]).json == {
        "calendars": []
    }


def test_a_nul_byte_is_422_naming_the_field_or_404_in_a_path(client, organizer):
    headers = organizer["headers"]
    response = client.patch("/api/v1/me/page", json={"display_name": "A\x00"}, headers=headers)
    assert response.status_code == 422 and "display_name" in response.json["errors"]
    response = client.post(
        "/api/v1/me/busy",
        json={
            "start": "2027-03-02T10:00:00+00:00",
            "end": "2027-03-02T11:00:00+00:00",
            "title": "x\x00",
        },
        headers=headers,
    )
    assert response.status_code == 422 and "title" in response.json["errors"]
    for field in ("name", "note"):
        response = book(client, **{field: "Bo\x00"})
        assert response.status_code == 422 and field in response.json["errors"], field
    types = client.get("/api/v1/me/meeting-types", headers=headers).json["meeting_types"]
    type_id = next(t["id"] for t in types if t["slug"] == "30-minute-meeting")
    asked = [{"id": "topic", "label": "Topic", "kind": "text"}]
    response = client.patch(
        f"/api/v1/me/meeting-types/{type_id}",
        json={"questions": [{"label": "To\x00pic", "kind": "text"}]},
        headers=headers,
    )
    assert response.status_code == 422 and "questions.0.label" in response.json["errors"]
    client.patch(f"/api/v1/me/meeting-types/{type_id}", json={"questions": asked}, headers=headers)
    response = book(client, answers={"topic": "a\x00b"})
    assert response.status_code == 422 and "answers.topic" in response.json["errors"]
    for path in ("/b/a%00n", "/api/v1/pages/a%00n", "/b/ann/30-minute%00", "/m/a%00b", "/p/%00"):
        assert client.get(path).status_code == 404, path
    assert client.get("/api/v1/me/page", headers=headers).json["display_name"] == "Organizer 1"


def test_the_forms_refuse_a_nul_byte_beside_the_field(client, organizer, login):
    start = datetime.fromisoformat(free_start(client))
    response = client.post(
        "/b/ann/30-minute-meeting/book",
        data={
            "start": start.isoformat(),
            "name": "Bo\x00",
            "email": "bo@example.org",
            "timezone": "Europe/Stockholm",
        },
    )
    assert response.status_code == 422
    assert client.get("/api/v1/me/bookings", headers=organizer["headers"]).json == {"bookings": []}
