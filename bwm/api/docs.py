"""The OpenAPI 3.1 document, generated from the schemas the views load and dump."""

from flask import jsonify
from flask_smorest import current_api

from .blueprint import bp


@bp.get("/openapi.json")
@bp.doc(summary="Describe the API as OpenAPI 3.1", responses={200: {"description": "the document"}})
def openapi():
    """Describe the API as OpenAPI 3.1."""
    return jsonify(current_api.document())
