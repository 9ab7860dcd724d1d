"""The OpenAPI document against the running app: it lists every route the API serves, and
schemathesis, sending inputs generated from it to every operation with an organizer's token,
finds no 5xx and no answer that the document does not describe."""

import os
from datetime import datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Examples per operation: bounded, so the run stays well under a minute on CI's machine.
EXAMPLES = int(os.environ.get("BWM_SCHEMATHESIS_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def served(database_url, tmp_path_factory):
    """One app for the whole run, with an administrator who has a page, types and a booking."""
    from bwm import create_app
    from bwm.extensions import db
    from bwm.services.organizers import create_api_token, create_organizer
    from tests.conftest import Clock, _config, _empty_tables

    clock = Clock(datetime.fromisoformat("2027-03-01T08:00:00+00:00"))
    app = create_app(_config(database_url, tmp_path_factory.mktemp("instance"), CLOCK=clock))
    with app.app_context():
        user = create_organizer(
            "ann@example.com", "Ann", "correct-horse", admin=True, slug="ann", timezone="UTC"
        )
        token = create_api_token(user, now=clock())
        db.session.commit()
    client = app.test_client()
    start = client.get(
        "/api/v1/pages/ann/types/30-minute-meeting/slots", query_string={"start": "2027-03-02"}
    ).json["slots"][0]
    booked = client.post(
        "/api/v1/pages/ann/types/30-minute-meeting/bookings",
        json={"start": start, "name": "Bo", "email": "bo@example.org"},
    )
    assert booked.status_code == 201
    # Schemathesis's WSGI transport reads bodies as sent; compression has its own tests
    # (test_assets.py), so ask for none here.
    yield app, {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
    with app.app_context():
        _empty_tables()
        db.engine.dispose()


def test_every_operation_answers_as_documented(served):
    """Each operation gets EXAMPLES generated requests; every failure found is reported."""
    app, headers = served
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = {}
    tried = 0
    for found in api_schema.get_all_operations():
        operation = found.ok()
        tried += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - gathered and shown together below
            failures[operation.label] = str(exc)[:2000]
    assert tried >= 30
    assert not failures, "\n\n".join(f"{label}: {text}" for label, text in failures.items())


def test_the_document_lists_every_route_the_api_serves(served):
    client = served[0].test_client()
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    documented = {
        (path, method.upper())
        for path, operations in doc["paths"].items()
        for method in operations
        if method in ("get", "post", "patch", "put", "delete")
    }
    served = set()
    for rule in client.application.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", f"{{{name}}}").replace(f"<{name}>", f"{{{name}}}")
        served |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == documented
    # SPEC §5's paths, with the names SPEC gives their parts.
    for path in (
        "/api/v1/pages/{page}",
        "/api/v1/pages/{page}/types/{type}/slots",
        "/api/v1/pages/{page}/types/{type}/bookings",
        "/api/v1/links/{token}/slots",
        "/api/v1/links/{token}/bookings",
        "/api/v1/bookings/{token}",
        "/api/v1/me/page",
        "/api/v1/me/meeting-types/{id}",
        "/api/v1/me/meeting-types/{id}/links",
        "/api/v1/me/links/{id}",
        "/api/v1/me/busy/{id}",
        "/api/v1/me/bookings",
        "/api/v1/me/bookings/{uid}/cancel",
        "/api/v1/me/calendars/{id}/sync",
        "/api/v1/me/calendar-shares/{id}",
        "/api/v1/admin/operations/mail/{id}/retry",
    ):
        assert path in doc["paths"], path


def test_the_document_declares_the_bounds_and_every_field_answered(served):
    schemas = served[0].test_client().get("/api/v1/openapi.json").json["components"]["schemas"]
    mt = schemas["MeetingTypeIn"]["properties"]
    assert mt["title"]["maxLength"] == 200
    assert (mt["buffer_before_minutes"]["minimum"], mt["buffer_before_minutes"]["maximum"]) == (
        0,
        720,
    )
    assert (mt["slot_step_minutes"]["minimum"], mt["slot_step_minutes"]["maximum"]) == (5, 720)
    assert mt["reminders_minutes"]["maxItems"] == 5
    assert mt["reminders_minutes"]["items"]["minimum"] == 15
    assert mt["slug"]["pattern"]
    assert set(schemas["MeetingTypeIn"]["required"]) == {"title", "duration_minutes"}
    assert "required" not in schemas["MeetingTypeInPatch"]
    booking = schemas["BookingOut"]["properties"]
    assert set(booking) >= {"uid", "start", "end", "status", "meeting_type", "attendee", "note"}
    assert set(schemas["LinkOut"]["properties"]) >= {
        "id",
        "url",
        "token",
        "single_use",
        "expires_at",
        "state",
        "created_at",
        "used_at",
        "revoked_at",
        "meeting_type_id",
    }
    assert set(schemas["CalendarOut"]["properties"]) >= {
        "id",
        "kind",
        "status",
        "last_synced_at",
        "error",
        "url",
        "name",
        "username",
        "has_password",
        "write_bookings",
    }
    assert set(schemas["CalendarShareOut"]["properties"]) >= {
        "id",
        "url",
        "ics_url",
        "detail",
        "email",
        "state",
        "shown_detail",
        "created_at",
        "revoked_at",
    }
    error = schemas["ErrorOut"]["properties"]
    assert set(error) >= {"error", "errors"}


def test_the_document_describes_spec_9(served):
    """Questions, requests and booking policies: every new field, body and route."""
    doc = served[0].test_client().get("/api/v1/openapi.json").json
    schemas = doc["components"]["schemas"]
    mt = schemas["MeetingTypeIn"]["properties"]
    assert set(mt) >= {
        "questions",
        "requires_confirmation",
        "pending_hours",
        "attendee_change_cutoff_minutes",
        "durations_minutes",
        "max_per_week",
        "max_per_month",
        "blocking_calendars",
        "color",
        "reminder_message",
        "follow_up_minutes",
        "follow_up_message",
    }
    assert mt["questions"]["maxItems"] == 20
    assert mt["durations_minutes"]["maxItems"] == 6
    assert mt["color"]["pattern"] == "^#[0-9A-Fa-f]{6}$"
    question = schemas["QuestionIn"]["properties"]
    assert question["kind"]["enum"] == [
        "text",
        "textarea",
        "select",
        "multiselect",
        "checkbox",
        "phone",
    ]
    assert set(schemas["MeetingTypeOut"]["properties"]) >= set(mt)
    assert set(schemas["BookingIn"]["properties"]) >= {"answers", "duration_minutes"}
    booking = schemas["BookingOut"]["properties"]
    assert booking["status"]["enum"] == [
        "unverified",
        "pending",
        "confirmed",
        "declined",
        "cancelled",
        "released",
    ]
    assert "answers" in booking
    assert set(schemas["LinkIn"]["properties"]) >= {"name", "email", "message", "send"}
    paths = doc["paths"]
    assert "patch" in paths["/api/v1/me/bookings/{uid}"]
    for action in ("confirm", "decline", "request-reschedule"):
        assert "post" in paths[f"/api/v1/me/bookings/{{uid}}/{action}"]
    listed = paths["/api/v1/me/bookings"]["get"]
    assert "text/csv" in listed["responses"]["200"]["content"]
    assert any(p["name"] == "format" for p in listed["parameters"])
    slots = paths["/api/v1/pages/{page}/types/{type}/slots"]["get"]
    assert any(p["name"] == "duration" for p in slots["parameters"])
