"""One declaration per API input and output: it validates, serializes and documents the shape.

The API loads bodies through these with flask-smorest; a page's form loads through `load`, so a
field's name, type, bounds and message live here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, post_load, pre_load
from marshmallow import fields as ma

from ..domain.errors import ValidationFailed
from .fields import NOT_OBJECT, Message


class Clean(dict):
    """Values a schema has checked: an operation given these checks nothing again."""


class In(Schema):
    """An input: fields it does not know are left out (a client may send back what it got), and
    null for a field that has a default is as if it were left out."""

    class Meta:
        unknown = EXCLUDE
        ordered = True

    @pre_load
    def _null_is_left_out(self, data, **kwargs):
        if not isinstance(data, Mapping):
            return data
        fields = self.fields
        return {
            key: value
            for key, value in data.items()
            if value is not None or key not in fields or fields[key].allow_none
        }

    @post_load
    def _clean(self, data, **kwargs):
        return Clean(data)


class With:
    """A row seen with values derived from it (a link's url), for an output schema to dump."""

    def __init__(self, row: object, **derived: Any) -> None:
        self._row = row
        self.__dict__.update(derived)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)


class Out(Schema):
    """An output, dumped from rows or plain values."""

    class Meta:
        ordered = True


class Inline(ma.Nested):
    """A nested object made from the same row (a booking's attendee from its attendee_* columns)."""

    def get_value(self, obj, attr, accessor=None, default=None):
        return obj


def html_attributes(schema: type[Schema], name: str) -> dict:
    """The input attributes a form's field takes from the schema's: required, maxlength, min,
    max (so the browser checks first what the schema checks in the end)."""
    field = schema._declared_fields[name]
    meta = field.metadata
    attributes: dict = {}
    if field.required:
        attributes["required"] = True
    if "maxLength" in meta:
        attributes["maxlength"] = meta["maxLength"]
    if "minimum" in meta:
        attributes["min"] = meta["minimum"]
    if "maximum" in meta:
        attributes["max"] = meta["maximum"]
    return attributes


def flatten(messages: Any, prefix: str = "") -> dict[str, str]:
    """Turn marshmallow's nested messages into {"field" or "field.sub": first message}."""
    if isinstance(messages, list | tuple):
        if messages and all(isinstance(m, str) for m in messages):
            return {prefix or "body": messages[0]}
        out: dict[str, str] = {}
        for item in messages:
            out.update(flatten(item, prefix))
        return out
    if isinstance(messages, Mapping):
        out = {}
        for key, value in messages.items():
            name = "body" if key == "_schema" and not prefix else str(key)
            out.update(flatten(value, f"{prefix}.{name}" if prefix else name))
        return out
    return {prefix or "body": str(messages)}


def errors_of(exc: ValidationError) -> dict[str, str]:
    """Name each bad field with its first message (Message kept, so a page can translate it)."""
    flat = flatten(exc.messages)
    if "body" in flat and flat["body"] in ("Invalid input type.",):
        flat["body"] = Message(NOT_OBJECT)
    return flat


def check(field: ma.Field, value: Any, name: str) -> Any:
    """Load one value through a field; ValidationFailed naming `name` otherwise."""
    try:
        return field.deserialize(value)
    except ValidationError as exc:
        raise ValidationFailed({name: flatten(exc.messages)["body"]}) from None


@cache
def instance(schema: type[Schema]) -> Schema:
    """The one instance of a schema class (making one copies its fields: not per request)."""
    return schema()


def dump(schema: type[Schema], obj: Any) -> dict:
    """Write obj out through the schema."""
    return instance(schema).dump(obj)


def load(schema: Schema | type[Schema], data: Any, *, partial: bool = False) -> Clean:
    """Load data through the schema; ValidationFailed naming every bad field otherwise.

    Values already loaded (Clean) are returned as they are: they were checked once.
    """
    if isinstance(data, Clean):
        return data
    if isinstance(schema, type):
        schema = instance(schema)
    if not isinstance(data, Mapping):
        raise ValidationFailed({"body": Message(NOT_OBJECT)})
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        raise ValidationFailed(errors_of(exc)) from None
