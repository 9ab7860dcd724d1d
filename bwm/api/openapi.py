"""The OpenAPI 3.1 document of the JSON API, served at /api/v1/openapi.json."""

HOURS = {
    "type": "object",
    "description": 'Weekly hours: {"mon": [["09:00", "17:00"]], ..., "sun": []}',
    "additionalProperties": {
        "type": "array",
        "items": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2},
    },
}
ERRORS = {
    "type": "object",
    "properties": {"errors": {"type": "object", "additionalProperties": {"type": "string"}}},
}
MEETING_TYPE = {
    "type": "object",
    "required": ["title", "duration_minutes"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "title": {"type": "string"},
        "slug": {"type": "string"},
        "description": {"type": "string"},
        "duration_minutes": {"type": "integer", "minimum": 5, "maximum": 720},
        "visibility": {"enum": ["public", "private"]},
        "location_kind": {"enum": ["none", "in_person", "phone", "online"]},
        "location": {"type": "string"},
        "online_meeting": {"type": "boolean"},
        "hours": {"oneOf": [{"type": "null"}, HOURS]},
        "overrides": {"type": "object"},
        "buffer_before_minutes": {"type": "integer", "minimum": 0},
        "buffer_after_minutes": {"type": "integer", "minimum": 0},
        "min_notice_minutes": {"type": "integer", "minimum": 0},
        "max_days_ahead": {"type": "integer", "minimum": 0},
        "slot_step_minutes": {"type": ["integer", "null"]},
        "max_per_day": {"type": ["integer", "null"]},
        "reminders_minutes": {
            "type": "array",
            "items": {"type": "integer", "minimum": 15, "maximum": 20160},
        },
    },
}
PAGE = {
    "type": "object",
    "properties": {
        "slug": {"type": "string"},
        "display_name": {"type": "string"},
        "welcome": {"type": "string"},
        "timezone": {"type": "string"},
        "published": {"type": "boolean"},
        "hours": HOURS,
    },
}
BUSY = {
    "type": "object",
    "required": ["start", "end"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "start": {"type": "string", "format": "date-time"},
        "end": {"type": "string", "format": "date-time"},
        "title": {"type": "string"},
    },
}

LINK_BODY = {
    "type": "object",
    "properties": {
        "single_use": {"type": "boolean"},
        "expires_at": {"type": "string", "format": "date-time"},
    },
}
LINK = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string"},
        "token": {"type": "string"},
        "single_use": {"type": "boolean"},
        "expires_at": {"type": "string", "format": "date-time"},
    },
}
LINK_LIST = {"type": "object", "properties": {"links": {"type": "array", "items": LINK}}}
BOOKING_BODY = {
    "type": "object",
    "required": ["start", "name", "email"],
    "properties": {
        "start": {"type": "string", "format": "date-time"},
        "name": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "note": {"type": "string"},
        "timezone": {"type": "string"},
    },
}

CALENDAR_BODY = {
    "type": "object",
    "required": ["kind", "url"],
    "properties": {
        "kind": {"enum": ["ics", "caldav"]},
        "url": {"type": "string", "format": "uri"},
        "username": {"type": "string"},
        "password": {"type": "string", "writeOnly": True},
        "write_bookings": {"type": "boolean"},
    },
}
CALENDAR = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"enum": ["ics", "caldav"]},
        "url": {"type": "string"},
        "status": {"enum": ["pending", "ok", "error"]},
        "last_synced_at": {"type": ["string", "null"], "format": "date-time"},
        "error": {"type": ["string", "null"]},
        "write_bookings": {"type": "boolean"},
    },
}
CALENDAR_LIST = {
    "type": "object",
    "properties": {"calendars": {"type": "array", "items": CALENDAR}},
}
SHARE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string"},
        "ics_url": {"type": "string"},
        "detail": {"enum": ["free_busy", "limited", "full"]},
    },
}

_WHEN = {"type": ["string", "null"], "format": "date-time"}
LANE = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "state": {"enum": ["ok", "error", "late", "never"]},
        "worker": {"type": "string"},
        "last_pass_at": _WHEN,
        "last_ok_at": _WHEN,
        "last_count": {"type": "integer"},
        "last_error": {"type": "string"},
    },
}
FAILED_MESSAGE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "to": {"type": "string"},
        "subject": {"type": "string", "description": "empty for a booking's email"},
        "template": {"type": ["string", "null"]},
        "attempts": {"type": "integer"},
        "last_error": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "failing_since": _WHEN,
    },
}
OPERATIONS = {
    "type": "object",
    "properties": {
        "worker": {"enum": ["ok", "late", "never"]},
        "lanes": {"type": "array", "items": LANE},
        "outbox": {
            "type": "object",
            "properties": {
                "due": {"type": "integer"},
                "pending": {"type": "integer"},
                "failed": {"type": "integer"},
                "oldest_due_at": _WHEN,
                "failed_messages": {"type": "array", "items": FAILED_MESSAGE},
            },
        },
        "calendars_in_error": {"type": "array", "items": {"type": "object"}},
        "write_backs": {
            "type": "object",
            "properties": {
                "pending": {"type": "integer"},
                "failed": {"type": "integer"},
                "failing": {"type": "array", "items": {"type": "object"}},
            },
        },
    },
}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(
    summary: str,
    responses: dict,
    *,
    auth: bool = True,
    body: dict | None = None,
    parameters: list | None = None,
) -> dict:
    op: dict = {"summary": summary, "responses": responses}
    if auth:
        op["security"] = [{"bearer": []}]
        op["responses"] = {**responses, "401": {"description": "No valid API token"}}
    if body:
        op["requestBody"] = _body(body)
    if parameters:
        op["parameters"] = parameters
    return op


def _path_param(name: str, schema_type: str = "string") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": schema_type}}


def _query(name: str, description: str, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string"},
    }


def document() -> dict:
    """Build the OpenAPI document."""
    not_found = {"description": "Not found"}
    invalid = _json(ERRORS, "Invalid input, with a message per field")
    return {
        "openapi": "3.1.0",
        "info": {"title": "bwm: Bookings with me", "version": "1"},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"MeetingType": MEETING_TYPE, "Page": PAGE, "Busy": BUSY},
        },
        "paths": {
            "/api/v1/pages/{page}": {
                "get": _op(
                    "A published page and its public meeting types",
                    {"200": _json({"type": "object"}), "404": not_found},
                    auth=False,
                    parameters=[_path_param("page")],
                ),
            },
            "/api/v1/pages/{page}/types/{type}/slots": {
                "get": _op(
                    "Free starts between two dates (inclusive) in a zone",
                    {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "timezone": {"type": "string"},
                                    "slots": {
                                        "type": "array",
                                        "items": {"type": "string", "format": "date-time"},
                                    },
                                },
                            }
                        ),
                        "404": not_found,
                        "422": invalid,
                    },
                    auth=False,
                    parameters=[
                        _path_param("page"),
                        _path_param("type"),
                        _query("start", "YYYY-MM-DD in tz", True),
                        _query("end", "YYYY-MM-DD in tz, inclusive", True),
                        _query("tz", "IANA zone; default the page's"),
                    ],
                ),
            },
            "/api/v1/me/page": {
                "get": _op("The organizer's page", {"200": _json(PAGE)}),
                "patch": _op(
                    "Change the page",
                    {"200": _json(PAGE), "409": {"description": "Slug taken"}, "422": invalid},
                    body=PAGE,
                ),
            },
            "/api/v1/me/meeting-types": {
                "get": _op("List meeting types", {"200": _json({"type": "object"})}),
                "post": _op(
                    "Create a meeting type",
                    {
                        "201": _json(MEETING_TYPE),
                        "409": {"description": "Slug taken"},
                        "422": invalid,
                    },
                    body=MEETING_TYPE,
                ),
            },
            "/api/v1/me/meeting-types/{id}": {
                "parameters": [_path_param("id", "integer")],
                "get": _op("One meeting type", {"200": _json(MEETING_TYPE), "404": not_found}),
                "patch": _op(
                    "Change a meeting type",
                    {
                        "200": _json(MEETING_TYPE),
                        "404": not_found,
                        "409": {"description": "Slug taken"},
                        "422": invalid,
                    },
                    body=MEETING_TYPE,
                ),
                "delete": _op(
                    "Delete a meeting type", {"204": {"description": "Deleted"}, "404": not_found}
                ),
            },
            "/api/v1/me/meeting-types/{id}/links": {
                "parameters": [_path_param("id", "integer")],
                "get": _op("List a meeting type's private links", {"200": _json(LINK_LIST)}),
                "post": _op(
                    "Make a private link (multi-use or single-use)",
                    {"201": _json(LINK), "404": not_found, "422": invalid},
                    body=LINK_BODY,
                ),
            },
            "/api/v1/me/links/{id}": {
                "parameters": [_path_param("id", "integer")],
                "delete": _op(
                    "Revoke a private link", {"204": {"description": "Revoked"}, "404": not_found}
                ),
            },
            "/api/v1/links/{token}/slots": {
                "get": _op(
                    "Free starts of a private link's meeting type",
                    {
                        "200": _json({"type": "object"}),
                        "404": not_found,
                        "410": {"description": "Expired, used or revoked"},
                        "422": invalid,
                    },
                    auth=False,
                    parameters=[
                        _path_param("token"),
                        _query("start", "YYYY-MM-DD in tz"),
                        _query("end", "YYYY-MM-DD in tz, inclusive"),
                        _query("tz", "IANA zone; default the page's"),
                    ],
                ),
            },
            "/api/v1/links/{token}/bookings": {
                "post": _op(
                    "Book through a private link",
                    {
                        "201": _json({"type": "object"}),
                        "404": not_found,
                        "409": {"description": "Not free"},
                        "410": {"description": "Expired, used or revoked"},
                        "422": invalid,
                    },
                    auth=False,
                    body=BOOKING_BODY,
                    parameters=[_path_param("token")],
                ),
            },
            "/api/v1/pages/{page}/types/{type}/bookings": {
                "post": _op(
                    "Book a free start of a public meeting type",
                    {
                        "201": _json({"type": "object"}),
                        "404": not_found,
                        "409": {"description": "Not free"},
                        "422": invalid,
                    },
                    auth=False,
                    body=BOOKING_BODY,
                    parameters=[_path_param("page"), _path_param("type")],
                ),
            },
            "/api/v1/bookings/{token}": {
                "parameters": [_path_param("token")],
                "get": _op(
                    "A booking by its manage token",
                    {"200": _json({"type": "object"}), "404": not_found},
                    auth=False,
                ),
                "patch": _op(
                    "Reschedule",
                    {
                        "200": _json({"type": "object"}),
                        "404": not_found,
                        "409": {"description": "Not free"},
                        "410": {"description": "Cancelled or past"},
                        "422": invalid,
                    },
                    auth=False,
                    body={
                        "type": "object",
                        "required": ["start"],
                        "properties": {"start": {"type": "string"}},
                    },
                ),
                "delete": _op(
                    "Cancel",
                    {
                        "200": _json({"type": "object"}),
                        "404": not_found,
                        "410": {"description": "Cancelled or past"},
                    },
                    auth=False,
                ),
            },
            "/api/v1/me/bookings": {
                "get": _op(
                    "The organizer's bookings",
                    {"200": _json({"type": "object"}), "422": invalid},
                    parameters=[
                        _query("from", "YYYY-MM-DD"),
                        _query("to", "YYYY-MM-DD"),
                        _query("status", "confirmed or cancelled"),
                    ],
                ),
            },
            "/api/v1/me/bookings/{uid}/cancel": {
                "post": _op(
                    "Cancel a booking; the attendee is told",
                    {
                        "200": _json({"type": "object"}),
                        "404": not_found,
                        "410": {"description": "Closed"},
                    },
                    parameters=[_path_param("uid")],
                ),
            },
            "/api/v1/me/calendars": {
                "get": _op("Connected calendars", {"200": _json(CALENDAR_LIST)}),
                "post": _op(
                    "Connect an ICS feed or a CalDAV calendar",
                    {
                        "201": _json(CALENDAR),
                        "409": {"description": "Already connected"},
                        "422": invalid,
                    },
                    body=CALENDAR_BODY,
                ),
            },
            "/api/v1/me/calendars/{id}": {
                "parameters": [_path_param("id", "integer")],
                "get": _op("One connected calendar", {"200": _json(CALENDAR), "404": not_found}),
                "patch": _op(
                    "Change a connected calendar",
                    {"200": _json(CALENDAR), "404": not_found, "422": invalid},
                    body=CALENDAR_BODY,
                ),
                "delete": _op(
                    "Disconnect a calendar", {"204": {"description": "Removed"}, "404": not_found}
                ),
            },
            "/api/v1/me/calendars/{id}/sync": {
                "parameters": [_path_param("id", "integer")],
                "post": _op("Sync now", {"200": _json(CALENDAR), "404": not_found}),
            },
            "/api/v1/me/calendar-shares": {
                "get": _op("Calendar shares", {"200": _json({"type": "object"})}),
                "post": _op(
                    "Share the calendar with an email address",
                    {
                        "201": _json(SHARE),
                        "403": {"description": "Sharing is off"},
                        "409": {"description": "Already shared with that address"},
                        "422": invalid,
                    },
                    body={
                        "type": "object",
                        "required": ["email", "detail"],
                        "properties": {
                            "email": {"type": "string", "format": "email"},
                            "detail": {"enum": ["free_busy", "limited", "full"]},
                        },
                    },
                ),
            },
            "/api/v1/me/calendar-shares/{id}": {
                "parameters": [_path_param("id", "integer")],
                "delete": _op(
                    "Revoke a share", {"204": {"description": "Revoked"}, "404": not_found}
                ),
            },
            "/api/v1/me/busy": {
                "get": _op("List busy blocks", {"200": _json({"type": "object"})}),
                "post": _op("Add a busy block", {"201": _json(BUSY), "422": invalid}, body=BUSY),
            },
            "/api/v1/me/busy/{id}": {
                "parameters": [_path_param("id", "integer")],
                "delete": _op(
                    "Delete a busy block", {"204": {"description": "Deleted"}, "404": not_found}
                ),
            },
            "/api/v1/admin/operations": {
                "get": _op(
                    "The worker, the outbox and calendars in error (an administrator's token)",
                    {"200": _json(OPERATIONS), "403": {"description": "Not an administrator"}},
                ),
            },
            "/api/v1/admin/operations/mail/{id}/retry": {
                "parameters": [_path_param("id", "integer")],
                "post": _op(
                    "Put a failed email back in the outbox, due at once",
                    {
                        "200": _json({"type": "object"}),
                        "403": {"description": "Not an administrator"},
                        "404": {"description": "No failed email with that id"},
                    },
                ),
            },
        },
    }
