"""The API's blueprint, its body parser and the Api that documents it (flask-smorest).

Errors keep SPEC §5's shapes: bad input is ValidationFailed, answered once in bwm/errors.py as
422 {"errors": {"field": "message"}}; a body that is not a JSON object names "body".
"""

from __future__ import annotations

import threading
from functools import wraps

import flask_smorest
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from cachetools import LRUCache
from flask import Request
from marshmallow import ValidationError
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from ..domain.errors import ValidationFailed
from ..extensions import csrf
from ..schemas import Clean, errors_of, instance
from ..schemas.common import ErrorOut
from ..schemas.fields import Message, _l

NOT_JSON = _l("send a JSON object with Content-Type: application/json")
TOO_DEEP = _l("is nested too deeply")


class Parser(FlaskParser):
    """webargs' Flask parser, failing with ValidationFailed named by field.

    A query string is loaded once per distinct string: what a query schema makes of it depends
    on nothing else (the free times of a month are asked for with the same few strings).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._queries: LRUCache = LRUCache(maxsize=1024)
        self._lock = threading.Lock()

    def parse(self, argmap, req=None, *, location=None, **kwargs):
        if location != "query" or req is None:
            return super().parse(argmap, req, location=location, **kwargs)
        key = (id(argmap), req.query_string)
        with self._lock:
            found = self._queries.get(key)
        if found is None:
            found = super().parse(argmap, req, location=location, **kwargs)
            with self._lock:
                self._queries[key] = found
        return Clean(found)

    def _raw_load_json(self, req: Request):
        data = req.get_data(cache=True)
        if not is_json_request(req):
            if data:
                raise ValidationFailed({"body": Message(NOT_JSON)})
            return core.missing
        try:
            return core.parse_json(data)
        except RecursionError:
            raise ValidationFailed({"body": Message(TOO_DEEP)}) from None

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        raise ValidationFailed({"body": Message(NOT_JSON)})

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        # webargs keys the messages by location first ({"json": {"title": [...]}}): the field
        # is what a client fixes, and the body as a whole is "body".
        messages = error.messages
        if isinstance(messages, dict) and len(messages) == 1:
            (inner,) = messages.values()
            messages = inner if isinstance(inner, dict) else {"_schema": inner}
        raise ValidationFailed(errors_of(ValidationError(messages)))


def finding(name: str, find):
    """Give the view the row its path names, found (or 404) before the body or query is read:
    an unknown page or token is 404 whatever is sent with it."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **path):
            return view(*args, **{name: find(**path)})

        return wrapped

    return decorator


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = Parser()

    def arguments(self, schema, **kwargs):
        """flask-smorest's, given one schema instance: webargs makes one per request of a class."""
        return super().arguments(instance(schema) if isinstance(schema, type) else schema, **kwargs)


def schema_name(schema) -> str:
    """Name a schema in the document by its class; a PATCH body is its class + "Patch"."""
    name = resolve_schema_cls(schema).__name__
    return f"{name}Patch" if getattr(schema, "partial", False) else name


class Api(flask_smorest.Api):
    """Documents the API from its schemas; leaves every error to bwm/errors.py."""

    ERROR_SCHEMA = ErrorOut

    def init_app(self, app, *, spec_kwargs=None) -> None:
        plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
        super().init_app(app, spec_kwargs={"marshmallow_plugin": plugin, **(spec_kwargs or {})})
        self.spec.components.security_scheme(
            "bearer", {"type": "http", "scheme": "bearer", "description": "flask user token"}
        )
        # Not an answer of any route: the body each webhook delivery posts (SPEC §10).
        from ..schemas.webhooks import WebhookEvent

        self.spec.components.schema("WebhookEvent", schema=WebhookEvent)
        self._document = None

    def _register_error_handlers(self) -> None:
        """Leave errors to bwm/errors.py, which answers SPEC's shapes for pages and API alike."""

    def document(self) -> dict:
        """The OpenAPI document, built once (the routes don't change while the app runs)."""
        if self._document is None:
            self._document = self.spec.to_dict()
        return self._document


bp = Blueprint("api", __name__, url_prefix="/api/v1", description="bwm's JSON API (SPEC §5)")
csrf.exempt(bp)  # no cookies: the attendee side needs none, the organizer's sends a bearer token
