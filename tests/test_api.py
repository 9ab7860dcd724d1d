"""The JSON API of SPEC §5: the public read side and the organizer side."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import next_weekday


@pytest.fixture
def organizer(make_user, make_token):
    user = make_user(slug="ann", timezone="Europe/Stockholm")
    return {**user, "headers": make_token(user["id"])}


def test_public_page_lists_public_types_only(client, organizer):
    client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Secret chat", "duration_minutes": 20, "visibility": "private"},
        headers=organizer["headers"],
    )
    response = client.get("/api/v1/pages/ann")
    assert response.status_code == 200
    body = response.json
    assert body["page"] == {
        "slug": "ann",
        "display_name": "Organizer 1",
        "timezone": "Europe/Stockholm",
    }
    assert [t["slug"] for t in body["meeting_types"]] == ["15-minute-meeting", "30-minute-meeting"]
    assert set(body["meeting_types"][0]) == {
        "slug",
        "title",
        "duration_minutes",
        "description",
        "location_kind",
    }


def test_unknown_and_unpublished_pages_are_404(client, organizer):
    assert client.get("/api/v1/pages/nobody").status_code == 404
    client.patch("/api/v1/me/page", json={"published": False}, headers=organizer["headers"])
    assert client.get("/api/v1/pages/ann").status_code == 404
    assert client.get("/api/v1/pages/ann/types/30-minute-meeting/slots").status_code == 404
    assert "error" in client.get("/api/v1/pages/ann").json


def test_slots_in_the_page_zone_by_default(client, organizer):
    monday = next_weekday(0)
    response = client.get(
        f"/api/v1/pages/ann/types/30-minute-meeting/slots?start={monday}&end={monday}"
    )
    assert response.status_code == 200
    body = response.json
    assert body["timezone"] == "Europe/Stockholm"
    starts = [datetime.fromisoformat(s) for s in body["slots"]]
    # Default hours 09:00-17:00, 30-minute meetings every 30 minutes.
    assert [s.strftime("%H:%M") for s in starts] == [
        f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)
    ]
    assert all(s.utcoffset() == ZoneInfo("Europe/Stockholm").utcoffset(s) for s in starts)


def test_slots_in_the_attendees_zone_grouped_by_their_dates(client, organizer):
    monday = next_weekday(0)
    response = client.get(
        "/api/v1/pages/ann/types/30-minute-meeting/slots",
        query_string={"start": monday, "end": monday, "tz": "Asia/Kolkata"},
    )
    body = response.json
    assert body["timezone"] == "Asia/Kolkata"
    starts = [datetime.fromisoformat(s) for s in body["slots"]]
    assert starts, "Monday in Kolkata overlaps Monday's hours in Stockholm"
    assert all(s.date() == monday for s in starts)
    assert all(s.utcoffset() == timedelta(hours=5, minutes=30) for s in starts)
    # Stockholm 09:00 is 13:30 or 14:30 in Kolkata, depending on the season.
    first = starts[0].astimezone(ZoneInfo("Europe/Stockholm"))
    assert first.strftime("%H:%M") == "09:00"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2027-13-01", "end": "2027-12-02"}, "start"),
        ({"start": "2027-12-01", "end": "tomorrow"}, "end"),
        ({"start": "2027-12-10", "end": "2027-12-01"}, "end"),
        ({"start": "2027-01-01", "end": "2027-12-31"}, "end"),
        ({"start": "2027-12-01", "end": "2027-12-02", "tz": "Mars/Olympus"}, "tz"),
        ({"end": "2099-12-02"}, "end"),
    ],
)
def test_bad_slot_queries_are_422_naming_the_field(client, organizer, query, field):
    response = client.get("/api/v1/pages/ann/types/30-minute-meeting/slots", query_string=query)
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_slots_default_to_the_next_30_days(make_app, clock, organizer):
    # 23:30 UTC on Sunday 31 January is already Monday 1 February on the page (Stockholm).
    clock.now = datetime(2027, 1, 31, 23, 30, tzinfo=UTC)
    client = make_app(CLOCK=clock).test_client()
    response = client.get("/api/v1/pages/ann/types/30-minute-meeting/slots")
    assert response.status_code == 200
    assert response.json["timezone"] == "Europe/Stockholm"
    days = sorted({datetime.fromisoformat(s).date() for s in response.json["slots"]})
    # From today in the page's zone to 30 days on (Wednesday 3 March), weekdays only.
    assert days[0] == date(2027, 2, 1)
    assert days[-1] == date(2027, 2, 1) + timedelta(days=30) == date(2027, 3, 3)
    assert len(days) == 23


def test_private_type_has_no_public_slots(client, organizer):
    client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Secret", "slug": "secret", "duration_minutes": 20, "visibility": "private"},
        headers=organizer["headers"],
    )
    monday = next_weekday(0)
    response = client.get(f"/api/v1/pages/ann/types/secret/slots?start={monday}&end={monday}")
    assert response.status_code == 404


def test_organizer_api_needs_a_valid_token(client, organizer):
    assert client.get("/api/v1/me/page").status_code == 401
    bad = {"Authorization": "Bearer bwm_not-a-token"}
    assert client.get("/api/v1/me/meeting-types", headers=bad).status_code == 401
    assert client.post("/api/v1/me/busy", json={}, headers=bad).status_code == 401
    assert client.get("/api/v1/me/page", headers=organizer["headers"]).status_code == 200


def test_page_get_and_patch(client, organizer):
    headers = organizer["headers"]
    page = client.get("/api/v1/me/page", headers=headers).json
    assert page["slug"] == "ann"
    assert page["published"] is True
    assert page["hours"]["mon"] == [["09:00", "17:00"]]
    assert page["hours"]["sun"] == []
    assert set(page["hours"]) == {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
    hours = {"mon": [["13:00", "15:00"], ["08:00", "10:00"]], "sat": [["22:00", "24:00"]]}
    response = client.patch(
        "/api/v1/me/page",
        json={
            "display_name": "Ann A.",
            "welcome": "Hi!",
            "timezone": "America/New_York",
            "hours": hours,
        },
        headers=headers,
    )
    assert response.status_code == 200
    page = client.get("/api/v1/me/page", headers=headers).json
    assert page["display_name"] == "Ann A."
    assert page["welcome"] == "Hi!"
    assert page["timezone"] == "America/New_York"
    assert page["hours"]["mon"] == [["08:00", "10:00"], ["13:00", "15:00"]]
    assert page["hours"]["sat"] == [["22:00", "24:00"]]
    assert page["hours"]["tue"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"timezone": "Nowhere/Land"}, "timezone"),
        ({"slug": "Not A Slug!"}, "slug"),
        ({"display_name": ""}, "display_name"),
        ({"hours": {"mon": [["17:00", "09:00"]]}}, "hours"),
        ({"hours": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}, "hours"),
        ({"hours": {"funday": []}}, "hours"),
        ({"hours": {"mon": [["9am", "5pm"]]}}, "hours"),
        ({"published": "maybe"}, "published"),
    ],
)
def test_page_patch_rejects_bad_fields_and_keeps_what_is_stored(client, organizer, body, field):
    headers = organizer["headers"]
    before = client.get("/api/v1/me/page", headers=headers).json
    response = client.patch("/api/v1/me/page", json=body, headers=headers)
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert client.get("/api/v1/me/page", headers=headers).json == before


def test_page_slug_taken_is_409(client, organizer, make_user):
    make_user(slug="bob")
    response = client.patch("/api/v1/me/page", json={"slug": "bob"}, headers=organizer["headers"])
    assert response.status_code == 409
    response = client.patch("/api/v1/me/page", json={"slug": "ann-2"}, headers=organizer["headers"])
    assert response.status_code == 200
    assert client.get("/api/v1/pages/ann-2").status_code == 200
    assert client.get("/api/v1/pages/ann").status_code == 404


FULL_TYPE = {
    "title": "Deep dive",
    "slug": "deep-dive",
    "description": "Two hours on your architecture.",
    "duration_minutes": 120,
    "visibility": "public",
    "location_kind": "in_person",
    "location": "Storgatan 1",
    "online_meeting": True,
    "hours": {"tue": [["10:00", "16:00"]], "thu": [["08:00", "12:00"], ["13:00", "18:00"]]},
    "overrides": {"2027-03-10": [], "2027-03-11": [["10:00", "12:00"]]},
    "buffer_before_minutes": 10,
    "buffer_after_minutes": 15,
    "min_notice_minutes": 240,
    "max_days_ahead": 30,
    "slot_step_minutes": 30,
    "max_per_day": 2,
    "reminders_minutes": [60, 1440],
}


def test_meeting_type_create_with_every_field(client, organizer):
    headers = organizer["headers"]
    response = client.post("/api/v1/me/meeting-types", json=FULL_TYPE, headers=headers)
    assert response.status_code == 201
    created = response.json
    assert isinstance(created["id"], int)
    for field, value in FULL_TYPE.items():
        expected = value
        if field == "hours":
            expected = {d: [] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")} | value
        if field == "reminders_minutes":
            assert sorted(created[field]) == sorted(value)
            continue
        assert created[field] == expected, field
    again = client.get(f"/api/v1/me/meeting-types/{created['id']}", headers=headers).json
    assert again == created
    listed = client.get("/api/v1/me/meeting-types", headers=headers).json["meeting_types"]
    assert [t["slug"] for t in listed] == ["15-minute-meeting", "30-minute-meeting", "deep-dive"]


def test_meeting_type_defaults(client, organizer):
    response = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Quick sync", "duration_minutes": 90},
        headers=organizer["headers"],
    )
    assert response.status_code == 201
    mt = response.json
    assert mt["slug"] == "quick-sync"
    assert mt["visibility"] == "public"
    assert mt["location_kind"] == "none"
    assert mt["buffer_before_minutes"] == mt["buffer_after_minutes"] == 0
    assert mt["min_notice_minutes"] == 0
    assert mt["max_days_ahead"] == 60
    assert mt["slot_step_minutes"] is None
    assert mt["max_per_day"] is None
    assert mt["hours"] is None
    assert mt["reminders_minutes"] == []
    # The step defaults to the duration capped at 60: 90-minute meetings every hour.
    monday = next_weekday(0)
    slots = client.get(
        f"/api/v1/pages/ann/types/quick-sync/slots?start={monday}&end={monday}"
    ).json["slots"]
    assert [s[11:16] for s in slots] == [f"{h:02d}:00" for h in range(9, 16)]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"duration_minutes": 30}, "title"),
        ({"title": "X"}, "duration_minutes"),
        ({"title": "X", "duration_minutes": 0}, "duration_minutes"),
        ({"title": "X", "duration_minutes": "long"}, "duration_minutes"),
        ({"title": "X", "duration_minutes": True}, "duration_minutes"),
        ({"title": "X", "duration_minutes": 30, "visibility": "secret"}, "visibility"),
        ({"title": "X", "duration_minutes": 30, "location_kind": "moon"}, "location_kind"),
        ({"title": "X", "duration_minutes": 30, "slug": "Bad Slug"}, "slug"),
        (
            {"title": "X", "duration_minutes": 30, "buffer_before_minutes": -5},
            "buffer_before_minutes",
        ),
        ({"title": "X", "duration_minutes": 30, "reminders_minutes": [5]}, "reminders_minutes"),
        ({"title": "X", "duration_minutes": 30, "reminders_minutes": [30000]}, "reminders_minutes"),
        ({"title": "X", "duration_minutes": 30, "hours": {"mon": [["10:00"]]}}, "hours"),
        ({"title": "X", "duration_minutes": 30, "overrides": {"soon": []}}, "overrides"),
        ({"title": "X", "duration_minutes": 30, "max_per_day": 0}, "max_per_day"),
        ({"title": "X", "duration_minutes": 30, "slot_step_minutes": 1}, "slot_step_minutes"),
        ({"title": "X", "duration_minutes": 30, "online_meeting": "perhaps"}, "online_meeting"),
    ],
)
def test_meeting_type_bad_input_is_422_naming_the_field(client, organizer, body, field):
    headers = organizer["headers"]
    response = client.post("/api/v1/me/meeting-types", json=body, headers=headers)
    assert response.status_code == 422
    assert field in response.json["errors"]
    listed = client.get("/api/v1/me/meeting-types", headers=headers).json["meeting_types"]
    assert len(listed) == 2


def test_meeting_type_body_must_be_json(client, organizer):
    response = client.post(
        "/api/v1/me/meeting-types",
        data="title=x",
        content_type="application/x-www-form-urlencoded",
        headers=organizer["headers"],
    )
    assert response.status_code == 422
    assert "body" in response.json["errors"]


def test_meeting_type_slug_taken_is_409(client, organizer):
    headers = organizer["headers"]
    response = client.post(
        "/api/v1/me/meeting-types",
        json={"title": "Again", "slug": "30-minute-meeting", "duration_minutes": 30},
        headers=headers,
    )
    assert response.status_code == 409
    first = client.get("/api/v1/me/meeting-types", headers=headers).json["meeting_types"][0]
    response = client.patch(
        f"/api/v1/me/meeting-types/{first['id']}",
        json={"slug": "30-minute-meeting"},
        headers=headers,
    )
    assert response.status_code == 409


def test_meeting_type_patch_and_delete(client, organizer):
    headers = organizer["headers"]
    mt = client.post("/api/v1/me/meeting-types", json=FULL_TYPE, headers=headers).json
    response = client.patch(
        f"/api/v1/me/meeting-types/{mt['id']}",
        json={"title": "Deeper dive", "hours": None, "max_per_day": None, "visibility": "private"},
        headers=headers,
    )
    assert response.status_code == 200
    changed = response.json
    assert changed["title"] == "Deeper dive"
    assert changed["hours"] is None
    assert changed["max_per_day"] is None
    assert changed["visibility"] == "private"
    assert changed["buffer_after_minutes"] == 15  # untouched fields stay
    bad = client.patch(
        f"/api/v1/me/meeting-types/{mt['id']}", json={"duration_minutes": -1}, headers=headers
    )
    assert bad.status_code == 422
    assert "duration_minutes" in bad.json["errors"]
    assert client.get(f"/api/v1/me/meeting-types/{mt['id']}", headers=headers).json == changed
    assert client.delete(f"/api/v1/me/meeting-types/{mt['id']}", headers=headers).status_code in (
        200,
        204,
    )
    assert client.get(f"/api/v1/me/meeting-types/{mt['id']}", headers=headers).status_code == 404


def test_another_organizers_objects_are_404(client, organizer, make_user, make_token):
    other = make_user(slug="bob")
    other_headers = make_token(other["id"])
    mt = client.post("/api/v1/me/meeting-types", json=FULL_TYPE, headers=other_headers).json
    block = client.post(
        "/api/v1/me/busy",
        json={"start": "2027-01-04T10:00:00+01:00", "end": "2027-01-04T11:00:00+01:00"},
        headers=other_headers,
    ).json
    mine = organizer["headers"]
    assert client.get(f"/api/v1/me/meeting-types/{mt['id']}", headers=mine).status_code == 404
    assert (
        client.patch(
            f"/api/v1/me/meeting-types/{mt['id']}", json={"title": "Mine"}, headers=mine
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/me/meeting-types/{mt['id']}", headers=mine).status_code == 404
    assert client.delete(f"/api/v1/me/busy/{block['id']}", headers=mine).status_code == 404
    assert client.get("/api/v1/me/busy", headers=mine).json == {"busy": []}
    still = client.get(f"/api/v1/me/meeting-types/{mt['id']}", headers=other_headers).json
    assert still["title"] == "Deep dive"


def test_busy_blocks_remove_slots(client, organizer):
    headers = organizer["headers"]
    monday = next_weekday(0)
    response = client.post(
        "/api/v1/me/busy",
        json={
            "start": f"{monday}T10:00:00+01:00",
            "end": f"{monday}T11:30:00+01:00",
            "title": "Dentist",
        },
        headers=headers,
    )
    assert response.status_code == 201
    block = response.json
    assert block["title"] == "Dentist"
    assert datetime.fromisoformat(block["start"]) == datetime.fromisoformat(
        f"{monday}T10:00:00+01:00"
    )
    listed = client.get("/api/v1/me/busy", headers=headers).json["busy"]
    assert [b["id"] for b in listed] == [block["id"]]
    slots = client.get(
        f"/api/v1/pages/ann/types/30-minute-meeting/slots?start={monday}&end={monday}&tz=UTC"
    ).json["slots"]
    starts = {datetime.fromisoformat(s) for s in slots}
    busy_start = datetime.fromisoformat(f"{monday}T10:00:00+01:00")
    busy_end = datetime.fromisoformat(f"{monday}T11:30:00+01:00")
    assert starts
    assert not any(busy_start - timedelta(minutes=30) < s < busy_end for s in starts)
    assert client.delete(f"/api/v1/me/busy/{block['id']}", headers=headers).status_code in (
        200,
        204,
    )
    assert client.get("/api/v1/me/busy", headers=headers).json == {"busy": []}
    slots_after = client.get(
        f"/api/v1/pages/ann/types/30-minute-meeting/slots?start={monday}&end={monday}&tz=UTC"
    ).json["slots"]
    assert len(slots_after) == 16


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"end": "2027-01-04T11:00:00+01:00"}, "start"),
        ({"start": "2027-01-04T10:00:00", "end": "2027-01-04T11:00:00+01:00"}, "start"),
        ({"start": "2027-01-04T10:00:00+01:00", "end": "2027-01-04T09:00:00+01:00"}, "end"),
        ({"start": "soon", "end": "2027-01-04T11:00:00+01:00"}, "start"),
    ],
)
def test_bad_busy_blocks_are_422(client, organizer, body, field):
    response = client.post("/api/v1/me/busy", json=body, headers=organizer["headers"])
    assert response.status_code == 422
    assert field in response.json["errors"]


def test_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/pages/{page}/types/{type}/slots" in doc["paths"]
    assert "/api/v1/me/meeting-types/{id}" in doc["paths"]


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json
    response = client.put("/api/v1/me/page")
    assert response.status_code == 405
    assert response.is_json
