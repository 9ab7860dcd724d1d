"""Shapes every part of the API shares: the error answers."""

from marshmallow import fields

from . import Out


class ErrorOut(Out):
    """An error: `errors` names each bad field (422); `error` says what went wrong (4xx)."""

    error = fields.String(metadata={"description": "what went wrong"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": 'each bad field and its message, {"field": "message"}'},
    )
    reason = fields.String(metadata={"description": "a machine word for why (expired, used, ...)"})
