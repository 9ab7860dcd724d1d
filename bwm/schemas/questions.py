"""A meeting type's booking questions (SPEC §9), as the type editor and the API send them."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, pre_load
from slugify import slugify

from ..domain.questions import CHOICE_KINDS, KINDS, MAX_OPTIONS, MAX_QUESTIONS
from . import In, Out
from .fields import NOT_LIST, TOO_MANY, Choice, Flag, Message, Slug, Text, _l, fail

_MADE = "_id_made"  # the id was made from the label (so it may be numbered to stay unique)


class OptionList(fields.List):
    """A select question's options: text, each once, at most MAX_OPTIONS."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update(maxItems=MAX_OPTIONS, uniqueItems=True)
        super().__init__(Text(required=True), **kwargs)
        self.error_messages.update(invalid=NOT_LIST)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> list[str]:
        if value in (None, ""):
            return []
        if isinstance(value, str):  # the editor's textarea: one option a line
            value = [line for line in value.splitlines() if line.strip()]
        if not isinstance(value, list):
            raise fail(NOT_LIST)
        out: list[str] = []
        for item in value:
            option = self.inner.deserialize(item)
            if option not in out:
                out.append(option)
        if len(out) > MAX_OPTIONS:
            raise fail(TOO_MANY, max=MAX_OPTIONS)
        return out


class QuestionIn(In):
    id = Slug(required=False, metadata={"description": "made from the label when left out"})
    label = Text(required=True)
    kind = Choice(KINDS, required=True)
    required = Flag(load_default=False)
    options = OptionList(
        load_default=list, metadata={"description": "for select and multiselect only"}
    )
    help = Text(max_length=500, load_default="")

    @pre_load
    def _id_from_label(self, data, **kwargs):
        if isinstance(data, dict) and data.get("id") in ("", None):
            data = {k: v for k, v in data.items() if k != "id"}
        return data

    @post_load
    def _options_for_choices(self, data, **kwargs):
        choosing = data["kind"] in CHOICE_KINDS
        if choosing and not data["options"]:
            raise ValidationError({"options": [Message(_l("give at least one option"))]})
        if not choosing and data["options"]:
            raise ValidationError({"options": [Message(_l("only select questions have options"))]})
        data = dict(data)
        if "id" not in data:
            data["id"] = slugify(data["label"], max_length=40, word_boundary=True) or "question"
            data[_MADE] = True
        return data


class Questions(fields.List):
    """Up to MAX_QUESTIONS questions in the order they are asked; their ids unique."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).update(maxItems=MAX_QUESTIONS)
        super().__init__(fields.Nested(QuestionIn), **kwargs)
        self.error_messages.update(invalid=NOT_LIST)

    def _deserialize(self, value: Any, attr, data, **kwargs: Any) -> list[dict]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise fail(NOT_LIST)
        if len(value) > MAX_QUESTIONS:
            raise fail(TOO_MANY, max=MAX_QUESTIONS)
        # Each question is whole, even in a PATCH of its type (which loads the type partial).
        kwargs["partial"] = False
        questions = super()._deserialize(value, attr, data, **kwargs)
        taken = {q["id"] for q in questions if _MADE not in q}
        if len(taken) < sum(_MADE not in q for q in questions):
            raise fail(_l("each question needs its own id"))
        for question in questions:
            if question.pop(_MADE, False):  # made from a label another id has: numbered
                base, n = question["id"], 1
                while question["id"] in taken:
                    n += 1
                    question["id"] = f"{base}-{n}"
                taken.add(question["id"])
        return questions


class QuestionOut(Out):
    id = fields.String(required=True)
    label = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": list(KINDS)})
    required = fields.Boolean(required=True)
    options = fields.List(fields.String(), required=True)
    help = fields.String(required=True)
