"""The forms check their values through the API's schemas: the same rule on a page and in the
API, the message beside its field in the reader's language, and in English in the API."""

from datetime import datetime

import pytest

from tests.conftest import soup

BAD_EMAIL = {
    "en": "is not a valid email address (like name@example.com)",
    "sv": "är ingen giltig e-postadress (som namn@example.com)",
    "da": "er ikke en gyldig e-mailadresse (som navn@example.com)",
    "nl": "is geen geldig e-mailadres (zoals naam@example.com)",
}
OUT_OF_RANGE = {
    "en": "must be between 5 and 720",
    "sv": "måste vara mellan 5 och 720",
    "da": "skal være mellem 5 og 720",
    "nl": "moet tussen 5 en 720 liggen",
}


@pytest.fixture
def app(make_app, clock):
    clock.now = datetime.fromisoformat("2027-03-01T08:00:00+00:00")
    return make_app(CLOCK=clock)


@pytest.fixture
def organizer(make_user):
    return make_user(slug="ann", timezone="Europe/Stockholm")


def error_of(page, field_id: str) -> str:
    found = page.find(id=f"{field_id}-error")
    return " ".join(found.get_text().split()) if found else ""


def free_start(client) -> str:
    return client.get(
        "/api/v1/pages/ann/types/30-minute-meeting/slots",
        query_string={"start": "2027-03-02", "end": "2027-03-03"},
    ).json["slots"][0]


@pytest.mark.parametrize("lang", sorted(BAD_EMAIL))
def test_the_booking_form_says_what_is_wrong_in_the_readers_language(client, organizer, lang):
    start = free_start(client)
    form = {"start": start, "timezone": "Europe/Stockholm", "name": "Bo", "note": ""}
    response = client.post(
        "/b/ann/30-minute-meeting/book",
        query_string={"lang": lang},
        data={**form, "email": "not an address"},
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.html["lang"] == lang
    assert error_of(page, "email") == BAD_EMAIL[lang]
    # The same rule in the API, in English whatever the reader's language.
    answer = client.post(
        "/api/v1/pages/ann/types/30-minute-meeting/bookings",
        json={"start": start, "name": "Bo", "email": "not an address"},
        headers={"Accept-Language": lang},
    )
    assert answer.status_code == 422
    assert answer.json["errors"] == {"email": BAD_EMAIL["en"]}
    # Nothing was booked either way: the time is still free.
    assert (
        start
        in client.get(
            "/api/v1/pages/ann/types/30-minute-meeting/slots",
            query_string={"start": "2027-03-02", "end": "2027-03-03"},
        ).json["slots"]
    )


@pytest.mark.parametrize("lang", sorted(OUT_OF_RANGE))
def test_the_meeting_type_form_shows_the_schemas_bounds_translated(client, organizer, login, lang):
    login(organizer)
    page = soup(client.get("/me/types/new", query_string={"lang": lang}))
    duration = page.find(id="duration_minutes")
    # The browser is told the bounds the schema checks.
    assert (duration["min"], duration["max"]) == ("5", "720")
    assert page.find(id="title").has_attr("required")
    assert page.find(id="title")["maxlength"] == "200"
    response = client.post(
        "/me/types/new",
        query_string={"lang": lang},
        data={"title": "Short", "duration_minutes": "2", "location_kind": "none"},
    )
    assert response.status_code == 422
    assert error_of(soup(response), "duration_minutes") == OUT_OF_RANGE[lang]


def test_a_busy_block_ending_before_it_starts_is_refused_in_swedish(client, organizer, login):
    login(organizer)
    response = client.post(
        "/me/busy",
        query_string={"lang": "sv"},
        data={
            "start_date": "2027-03-02",
            "start_time": "11:00",
            "end_date": "2027-03-02",
            "end_time": "10:00",
            "title": "",
        },
    )
    assert response.status_code == 422
    assert error_of(soup(response), "end_time") == "måste vara efter början"


def test_a_services_message_shows_translated_beside_its_field(client, organizer, login):
    """Sharing the calendar with one's own address: the service's check, in Danish."""
    login(organizer)
    response = client.post(
        "/me/shares",
        query_string={"lang": "da"},
        data={"email": organizer["email"], "detail": "free_busy"},
    )
    assert response.status_code == 422
    assert error_of(soup(response), "email") == "det er din egen adresse"
