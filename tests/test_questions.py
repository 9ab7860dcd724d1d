"""Booking questions (SPEC §9): asked in the type editor, answered on the booking form and in the
API, stored as asked, shown to the organizer, in both emails, the invitation and the CSV export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from tests.conftest import soup
from tests.helpers import next_weekday

QUESTIONS = [
    {"label": "What is it about?", "kind": "textarea", "required": True, "help": "A line or two"},
    {"id": "team", "label": "Team", "kind": "select", "options": ["Sales", "Support"]},
    {"label": "Topics", "kind": "multiselect", "options": ["Budget", "Hiring", "Roadmap"]},
    {"label": "I have read the agenda", "kind": "checkbox", "required": True},
    {"label": "Phone", "kind": "phone"},
]


@pytest.fixture
def app(make_app, smtp_sink, clock):
    clock.now = datetime(2027, 1, 13, 12, 0, tzinfo=UTC)
    return make_app(worker=True, MAIL_SERVER=smtp_sink.host, MAIL_PORT=smtp_sink.port, CLOCK=clock)


@pytest.fixture
def organizer(make_user, make_token):
    user = make_user(
        email="olga@example.com", name="Olga", slug="olga", timezone="Europe/Stockholm"
    )
    return {**user, "headers": make_token(user["id"])}


@pytest.fixture
def asking(client, organizer):
    """The 30-minute type, asking QUESTIONS; its id."""
    types = client.get("/api/v1/me/meeting-types", headers=organizer["headers"]).json
    mt = next(t for t in types["meeting_types"] if t["slug"] == "30-minute-meeting")
    response = client.patch(
        f"/api/v1/me/meeting-types/{mt['id']}",
        json={"questions": QUESTIONS},
        headers=organizer["headers"],
    )
    assert response.status_code == 200, response.json
    return response.json


def monday_10(clock) -> str:
    monday = next_weekday(0, today=clock.now.date())
    return f"{monday.isoformat()}T10:00:00+01:00"


def book(client, start, **answers_and_fields):
    body = {"start": start, "name": "Anna", "email": "anna@example.org", **answers_and_fields}
    return client.post("/api/v1/pages/olga/types/30-minute-meeting/bookings", json=body)


GOOD = {
    "what-is-it-about": "The budget for 2027",
    "team": "Sales",
    "topics": ["Roadmap", "Budget"],
    "i-have-read-the-agenda": True,
    "phone": "+46 70-123 45 67",
}


def test_questions_get_ids_from_labels_and_keep_their_order(asking):
    assert [q["id"] for q in asking["questions"]] == [
        "what-is-it-about",
        "team",
        "topics",
        "i-have-read-the-agenda",
        "phone",
    ]
    first = asking["questions"][0]
    assert first == {
        "id": "what-is-it-about",
        "label": "What is it about?",
        "kind": "textarea",
        "required": True,
        "options": [],
        "help": "A line or two",
    }


@pytest.mark.parametrize(
    ("questions", "field", "message"),
    [
        ([{"label": "Team", "kind": "select"}], "questions.0.options", "give at least one option"),
        (
            [{"label": "Age", "kind": "text", "options": ["1"]}],
            "questions.0.options",
            "only select questions have options",
        ),
        ([{"label": "", "kind": "text"}], "questions.0.label", "is required"),
        ([{"label": "A", "kind": "date"}], "questions.0.kind", "must be one of"),
        ([{"id": "a", "label": "A", "kind": "text"}] * 2, "questions", "its own id"),
        ([{"label": f"Q{i}", "kind": "text"} for i in range(21)], "questions", "at most 20"),
    ],
)
def test_bad_questions_are_refused_naming_the_field(
    client, organizer, asking, questions, field, message
):
    response = client.patch(
        f"/api/v1/me/meeting-types/{asking['id']}",
        json={"questions": questions},
        headers=organizer["headers"],
    )
    assert response.status_code == 422
    assert message in response.json["errors"][field]
    kept = client.get(f"/api/v1/me/meeting-types/{asking['id']}", headers=organizer["headers"])
    assert len(kept.json["questions"]) == len(QUESTIONS)  # nothing stored is lost


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ({**GOOD, "what-is-it-about": ""}, "answers.what-is-it-about", "is required"),
        ({**GOOD, "team": "Marketing"}, "answers.team", "must be one of the options"),
        ({**GOOD, "topics": ["Budget", "Lunch"]}, "answers.topics", "must be one of the options"),
        ({**GOOD, "topics": 3}, "answers.topics", "give a list of the options"),
        ({**GOOD, "what-is-it-about": ["a"]}, "answers.what-is-it-about", "must be text"),
        ({**GOOD, "i-have-read-the-agenda": False}, "answers.i-have-read-the-agenda", "ticked"),
        ({**GOOD, "i-have-read-the-agenda": "maybe"}, "answers.i-have-read-the-agenda", "true or"),
        ({**GOOD, "phone": "call me"}, "answers.phone", "is not a phone number"),
    ],
)
def test_bad_answers_are_422_naming_the_question(client, asking, clock, answers, field, message):
    response = book(client, monday_10(clock), answers=answers)
    assert response.status_code == 422
    assert message in response.json["errors"][field]
    assert client.get("/api/v1/pages/olga/types/30-minute-meeting/slots").json["slots"]


def test_answers_are_stored_as_asked_and_reach_everyone(
    client, organizer, asking, clock, smtp_sink
):
    response = book(client, monday_10(clock), answers={**GOOD, "unknown": "ignored"})
    assert response.status_code == 201, response.json
    booking = response.json["booking"]
    assert booking["answers"] == {
        "what-is-it-about": "The budget for 2027",
        "team": "Sales",
        "topics": ["Budget", "Roadmap"],  # in the options' order
        "i-have-read-the-agenda": True,
        "phone": "+46 70-123 45 67",
    }

    # Both emails carry them, and so does each invitation's description.
    assert smtp_sink.wait_for(2)
    for message in smtp_sink.messages:
        text = message.get_body(("plain",)).get_content()
        assert "What is it about?: The budget for 2027" in text
        assert "Topics: Budget, Roadmap" in text
        assert "I have read the agenda: Yes" in text
        html = message.get_body(("html",)).get_content()
        assert "The budget for 2027" in html
        ics = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
        event = next(
            c for c in Calendar.from_ical(ics.get_payload(decode=True)).walk() if c.name == "VEVENT"
        )
        assert "Team: Sales" in str(event["DESCRIPTION"])

    # A later edit of the questions changes no stored answer.
    client.patch(
        f"/api/v1/me/meeting-types/{asking['id']}",
        json={"questions": [{"id": "team", "label": "Department", "kind": "text"}]},
        headers=organizer["headers"],
    )
    listed = client.get("/api/v1/me/bookings", headers=organizer["headers"]).json["bookings"]
    assert listed[0]["answers"]["topics"] == ["Budget", "Roadmap"]
    assert listed[0]["answers"]["team"] == "Sales"


def test_the_booking_form_asks_after_name_email_and_note(client, asking, clock):
    start = monday_10(clock)
    page = soup(client.get("/b/olga/30-minute-meeting/book", query_string={"start": start}))
    form = page.select_one("form.card")
    names = [e.get("name") for e in form.select("input, textarea, select") if e.get("name")]
    visible = [
        n
        for n in names
        if n not in ("csrf_token", "start", "timezone", "duration_minutes", "website")
    ]
    assert visible[:3] == ["name", "email", "note"]
    assert visible[3:] == [
        "answer-what-is-it-about",
        "answer-team",
        "answer-topics",
        "answer-topics",
        "answer-topics",
        "answer-i-have-read-the-agenda",
        "answer-phone",
    ]
    # Labelled, with help text and "optional" on those that may be left empty.
    label = form.find("label", attrs={"for": "answer-what-is-it-about"})
    assert label.get_text(strip=True) == "What is it about?"
    assert form.find(id="answer-what-is-it-about-hint").get_text() == "A line or two"
    assert "optional" in form.find("label", attrs={"for": "answer-team"}).get_text()
    assert [o.get_text() for o in form.select("#answer-team option")][1:] == ["Sales", "Support"]
    assert form.find(id="answer-phone")["type"] == "tel"


def _form_values(page) -> dict:
    form = page.select_one("form.card")
    return {e["name"]: e.get("value", "") for e in form.select("input[type=hidden]")}


def test_the_booking_form_puts_each_message_beside_its_question(client, organizer, asking, clock):
    start = monday_10(clock)
    page = soup(client.get("/b/olga/30-minute-meeting/book", query_string={"start": start}))
    data = {
        **_form_values(page),
        "name": "",
        "email": "anna@example.org",
        "answer-team": "Sales",
        "answer-topics": ["Hiring"],
        "answer-phone": "12",
    }
    response = client.post("/b/olga/30-minute-meeting/book", data=data)
    assert response.status_code == 422
    page = soup(response)
    assert "is required" in page.find(id="name-error").get_text()  # all messages at once
    assert page.find(id="answer-what-is-it-about-error").get_text() == "is required"
    assert page.find(id="answer-i-have-read-the-agenda-error").get_text() == "must be ticked"
    assert "phone number" in page.find(id="answer-phone-error").get_text()
    field = page.find(id="answer-what-is-it-about")
    assert field["aria-invalid"] == "true"
    assert "answer-what-is-it-about-error" in field["aria-describedby"]
    # What was given is kept.
    assert page.find("option", selected=True, string="Sales") is not None
    assert page.find(id="answer-topics-1").has_attr("checked")
    assert page.find(id="answer-phone")["value"] == "12"

    data.update(
        {
            "name": "Anna",
            "answer-what-is-it-about": "Hiring plans",
            "answer-i-have-read-the-agenda": "on",
            "answer-phone": "",
        }
    )
    response = client.post("/b/olga/30-minute-meeting/book", data=data)
    assert response.status_code == 303
    listed = client.get("/api/v1/me/bookings", headers=organizer["headers"]).json["bookings"]
    assert listed[0]["answers"] == {
        "what-is-it-about": "Hiring plans",
        "team": "Sales",
        "topics": ["Hiring"],
        "i-have-read-the-agenda": True,
        "phone": "",
    }


def test_the_booking_form_speaks_swedish(client, asking, clock):
    start = monday_10(clock)
    page = soup(
        client.get("/b/olga/30-minute-meeting/book", query_string={"start": start, "lang": "sv"})
    )
    data = {**_form_values(page), "name": "Anna", "email": "anna@example.org"}
    page = soup(client.post("/b/olga/30-minute-meeting/book?lang=sv", data=data))
    assert page.find(id="answer-what-is-it-about-error").get_text() == "måste fyllas i"
    assert "valfri" in page.find("label", attrs={"for": "answer-team"}).get_text()


def test_the_organizer_sees_the_answers_and_exports_them(client, organizer, asking, clock, login):
    assert book(client, monday_10(clock), answers=GOOD).status_code == 201
    formula = {**GOOD, "what-is-it-about": '=HYPERLINK("http://evil.example.com")'}
    tuesday = monday_10(clock).replace("T10:00", "T11:00")
    assert book(client, tuesday, answers=formula).status_code == 201

    login(organizer)
    listed = client.get("/api/v1/me/bookings", headers=organizer["headers"]).json["bookings"]
    with client.application.app_context():
        from bwm.extensions import db
        from bwm.models import Booking

        booking_id = db.session.query(Booking.id).filter_by(uid=listed[0]["uid"]).scalar()
    details = soup(client.get(f"/me/bookings/{booking_id}")).find(id="booking-details")
    shown = dict(
        zip(
            [dt.get_text() for dt in details.find_all("dt")],
            [dd.get_text() for dd in details.find_all("dd")],
            strict=True,
        )
    )
    assert shown["What is it about?"] == "The budget for 2027"
    assert shown["Topics"] == "Budget, Roadmap"
    assert shown["I have read the agenda"] == "Yes"

    csv_link = soup(client.get("/me/bookings")).find(id="bookings-csv")["href"]
    for response in (
        client.get(csv_link),
        client.get("/api/v1/me/bookings?format=csv", headers=organizer["headers"]),
    ):
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert [r["What is it about?"] for r in rows] == [
            "The budget for 2027",
            '\'=HYPERLINK("http://evil.example.com")',  # no formula runs in a spreadsheet
        ]
        assert rows[0]["Topics"] == "Budget, Roadmap"
        assert rows[0]["attendee_email"] == "anna@example.org"
        assert rows[0]["start"].endswith("+01:00")  # in the page's zone
    bad = client.get("/api/v1/me/bookings?format=xml", headers=organizer["headers"])
    assert bad.status_code == 422 and "format" in bad.json["errors"]
    assert client.get("/me/bookings.csv?from=someday").status_code == 422


def test_the_type_editor_adds_moves_and_removes_questions_without_javascript(
    client, organizer, login
):
    login(organizer)
    types = client.get("/api/v1/me/meeting-types", headers=organizer["headers"]).json
    mt = next(t for t in types["meeting_types"] if t["slug"] == "30-minute-meeting")
    url = f"/me/types/{mt['id']}/edit"
    page = soup(client.get(url))

    def values(page) -> dict:
        form = page.find("form", id="type-form")
        out: dict = {}
        for e in form.select("input, textarea, select"):
            name = e.get("name")
            if not name or e.get("type") == "submit":
                continue
            if e.name == "select":
                chosen = e.find("option", selected=True) or e.find("option")
                out[name] = chosen.get("value", chosen.get_text()) if chosen else ""
            elif e.get("type") in ("checkbox", "radio"):
                if e.has_attr("checked"):
                    out.setdefault(name, []).append(e.get("value", "y"))
            elif e.name == "textarea":
                out[name] = e.get_text()
            else:
                out[name] = e.get("value", "")
        return out

    data = {**values(page), "action": "add-question"}
    page = soup(client.post(url, data=data))
    assert page.find(id="question-0-label") is not None
    data = {**values(page), "question-0-label": "Company", "action": "add-question"}
    page = soup(client.post(url, data=data))
    data = {
        **values(page),
        "question-1-label": "Size",
        "question-1-kind": "select",
        "question-1-options": "1-10\n11-50\n",
        "question-1-required": "y",
        "action": "up-question-1",
    }
    page = soup(client.post(url, data=data))
    assert page.find(id="question-0-label")["value"] == "Size"
    # A select question without options is refused beside its row; nothing is saved.
    data = {**values(page), "question-0-options": "", "action": "save"}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert (
        soup(response).find(id="question-0-options-error").get_text() == "give at least one option"
    )
    data = {**values(soup(response)), "question-0-options": "1-10\n11-50", "action": "save"}
    assert client.post(url, data=data).status_code == 303
    saved = client.get(f"/api/v1/me/meeting-types/{mt['id']}", headers=organizer["headers"]).json
    assert [(q["id"], q["kind"], q["options"], q["required"]) for q in saved["questions"]] == [
        ("size", "select", ["1-10", "11-50"], True),
        ("company", "text", [], False),
    ]
    # The htmx route swaps only the list.
    fragment = client.post(
        f"/me/types/{mt['id']}/questions",
        data={**values(soup(client.get(url))), "action": "remove-question-0"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200
    part = soup(fragment)
    assert part.find("fieldset", id="questions") is not None and part.find("h1") is None
    assert part.find(id="question-0-label")["value"] == "Company"
    assert part.find(id="question-1-label") is None
