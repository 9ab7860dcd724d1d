"""A meeting type's booking questions and the attendee's answers to them (SPEC §9).

Plain Python: questions are the dicts schemas/questions.py loads ({"id", "label", "kind",
"required", "options", "help"}); answers are what a form or an API body sends. What is stored with
a booking is the question as it was asked with its answer, so a later edit changes nothing stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import Message, ValidationFailed, _l

KINDS = ("text", "textarea", "select", "multiselect", "checkbox", "phone")
CHOICE_KINDS = ("select", "multiselect")
MAX_QUESTIONS = 20
MAX_OPTIONS = 50
ANSWER_LENGTH = {"text": 500, "textarea": 5000, "phone": 40, "select": 200}
# Digits with the usual separators, an optional leading +: "+46 70-123 45 67", "(020) 7946 0958".
_PHONE = re.compile(r"^\+?[0-9 ()./-]+$")
MIN_PHONE_DIGITS = 5

REQUIRED = _l("is required")
NOT_TEXT = _l("must be text")
NUL = _l("must not contain a NUL character")
TOO_LONG = _l("must be at most %(max)s characters")
NOT_OPTION = _l("must be one of the options")
NOT_OPTIONS = _l("give a list of the options")
NOT_BOOL = _l("must be true or false")
MUST_TICK = _l("must be ticked")
NOT_PHONE = _l("is not a phone number (like +46 70 123 45 67)")


def _text(question: Mapping, value: Any) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValueError(NOT_TEXT)
    if "\x00" in value:
        raise ValueError(NUL)
    value = value.strip()
    most = ANSWER_LENGTH[question["kind"]]
    if len(value) > most:
        raise ValueError(Message(TOO_LONG, max=most))
    if question["kind"] == "phone" and value:
        digits = sum(c.isdigit() for c in value)
        if not _PHONE.match(value) or digits < MIN_PHONE_DIGITS:
            raise ValueError(NOT_PHONE)
    if question["kind"] == "select" and value and value not in question.get("options", ()):
        raise ValueError(NOT_OPTION)
    return value


def _choices(question: Mapping, value: Any) -> list[str]:
    if value is None or value == "":
        value = []
    elif isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(NOT_OPTIONS)
    options = question.get("options", ())
    if any(v not in options for v in value):
        raise ValueError(NOT_OPTION)
    chosen = set(value)
    return [o for o in options if o in chosen]  # in the options' order, once each


def _flag(question: Mapping, value: Any) -> bool:
    if value in (None, "", False, "false", "off", "0"):
        return False
    if value in (True, "true", "on", "1", "yes"):
        return True
    raise ValueError(NOT_BOOL)


_READERS = {
    "text": _text,
    "textarea": _text,
    "phone": _text,
    "select": _text,
    "multiselect": _choices,
    "checkbox": _flag,
}


def _empty(value: Any) -> bool:
    return value in ("", [], False, None)


def check_answers(questions: Sequence[Mapping], given: Any) -> list[dict]:
    """Check the answers to each question; return them as stored with the booking.

    `given` maps question ids to values (a string; a list of strings for multiselect; a bool for
    a checkbox). Ids that are not questions are left out. ValidationFailed names each bad answer
    as "answers.<id>".
    """
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise ValidationFailed({"answers": Message(_l("give a JSON object"))})
    stored, errors = [], {}
    for question in questions:
        qid = question["id"]
        try:
            value = _READERS[question["kind"]](question, given.get(qid))
        except ValueError as exc:
            message = exc.args[0]
            errors[f"answers.{qid}"] = message if isinstance(message, Message) else Message(message)
            continue
        if question.get("required") and _empty(value):
            errors[f"answers.{qid}"] = Message(
                MUST_TICK if question["kind"] == "checkbox" else REQUIRED
            )
            continue
        stored.append(
            {"id": qid, "label": question["label"], "kind": question["kind"], "value": value}
        )
    if errors:
        raise ValidationFailed(errors)
    return stored


def answers_by_id(stored: Iterable[Mapping]) -> dict[str, Any]:
    """The booking JSON's "answers": {question id: value}."""
    return {answer["id"]: answer["value"] for answer in stored or ()}


def answer_text(answer: Mapping, *, yes: str = "Yes", no: str = "No") -> str:
    """One stored answer as a line of text (a list joined with commas; a checkbox Yes or No)."""
    value = answer["value"]
    if isinstance(value, bool):
        return yes if value else no
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


def answered(stored: Iterable[Mapping]) -> list[Mapping]:
    """The stored answers worth showing: those with a value (an unticked box is a No)."""
    return [answer for answer in stored or () if answer["value"] not in ("", [], None)]


def check_consent(consent_text: str, given: bool) -> str:
    """Return the consent text agreed to ("" when none is asked); ValidationFailed naming
    "consent" when it is asked for and not given (SPEC §11)."""
    if consent_text and given is not True:
        raise ValidationFailed({"consent": Message(MUST_TICK)})
    return consent_text if given is True else ""
