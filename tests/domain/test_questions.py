"""The answers to a type's booking questions, checked and kept as asked (domain/questions.py)."""

from __future__ import annotations

import pytest

from bwm.domain.errors import ValidationFailed
from bwm.domain.questions import answer_text, answered, answers_by_id, check_answers

QUESTIONS = [
    {"id": "topic", "label": "Topic", "kind": "text", "required": True},
    {"id": "more", "label": "More", "kind": "textarea"},
    {"id": "team", "label": "Team", "kind": "select", "options": ["Sales", "Support"]},
    {"id": "days", "label": "Days", "kind": "multiselect", "options": ["Mon", "Tue", "Wed"]},
    {"id": "ok", "label": "Agreed", "kind": "checkbox", "required": True},
    {"id": "tel", "label": "Phone", "kind": "phone"},
]
GOOD = {"topic": "Plans", "ok": True}


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (GOOD, {"topic": "Plans", "more": "", "team": "", "days": [], "ok": True, "tel": ""}),
        ({**GOOD, "topic": "  Plans  "}, {"topic": "Plans"}),  # trimmed
        ({**GOOD, "days": ["Wed", "Mon", "Wed"]}, {"days": ["Mon", "Wed"]}),  # options' order
        ({**GOOD, "days": "Tue"}, {"days": ["Tue"]}),  # one option given as text
        ({**GOOD, "ok": "on"}, {"ok": True}),  # a form's checkbox
        ({**GOOD, "team": ""}, {"team": ""}),  # not required
        ({**GOOD, "tel": "+46 (0)70-123 45.67"}, {"tel": "+46 (0)70-123 45.67"}),
        ({**GOOD, "other": "x"}, {}),  # ids that are not questions are left out
    ],
)
def test_good_answers_are_kept_as_asked(given, stored):
    kept = check_answers(QUESTIONS, given)
    assert [a["id"] for a in kept] == [q["id"] for q in QUESTIONS]
    assert all(a["label"] == q["label"] for a, q in zip(kept, QUESTIONS, strict=True))
    assert all(a["kind"] == q["kind"] for a, q in zip(kept, QUESTIONS, strict=True))
    by_id = answers_by_id(kept)
    assert {k: by_id[k] for k in stored} == stored


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({}, "answers.topic", "is required"),
        ({**GOOD, "topic": "   "}, "answers.topic", "is required"),
        ({**GOOD, "ok": False}, "answers.ok", "must be ticked"),
        ({**GOOD, "ok": "maybe"}, "answers.ok", "must be true or false"),
        ({**GOOD, "topic": 3}, "answers.topic", "must be text"),
        ({**GOOD, "topic": "a\x00"}, "answers.topic", "must not contain a NUL character"),
        ({**GOOD, "topic": "x" * 501}, "answers.topic", "must be at most 500 characters"),
        ({**GOOD, "more": "x" * 5001}, "answers.more", "must be at most 5000 characters"),
        ({**GOOD, "team": "Legal"}, "answers.team", "must be one of the options"),
        ({**GOOD, "days": ["Sun"]}, "answers.days", "must be one of the options"),
        ({**GOOD, "days": [1]}, "answers.days", "give a list of the options"),
        ({**GOOD, "tel": "1234"}, "answers.tel", "is not a phone number"),
        ({**GOOD, "tel": "call 12345"}, "answers.tel", "is not a phone number"),
    ],
)
def test_bad_answers_name_their_question(given, field, message):
    with pytest.raises(ValidationFailed) as failed:
        check_answers(QUESTIONS, given)
    assert failed.value.errors[field].startswith(message)


def test_every_bad_answer_is_named_at_once():
    with pytest.raises(ValidationFailed) as failed:
        check_answers(QUESTIONS, {"team": "Legal"})
    assert set(failed.value.errors) == {"answers.topic", "answers.team", "answers.ok"}


def test_answers_must_be_an_object():
    with pytest.raises(ValidationFailed) as failed:
        check_answers(QUESTIONS, ["Plans"])
    assert set(failed.value.errors) == {"answers"}
    assert check_answers([], None) == []


def test_answers_as_text():
    kept = check_answers(QUESTIONS, {**GOOD, "days": ["Mon", "Tue"]})
    shown = {a["id"]: answer_text(a, yes="Ja", no="Nej") for a in answered(kept)}
    assert shown == {"topic": "Plans", "days": "Mon, Tue", "ok": "Ja"}
    unticked = check_answers([{"id": "x", "label": "X", "kind": "checkbox"}], {})
    assert [answer_text(a, yes="Ja", no="Nej") for a in answered(unticked)] == ["Nej"]
