"""For administrators (SPEC §11): the audit trail, newest first, paged with `after`."""

from ..schemas.audit import AuditList, AuditQuery, search_args
from ..services import audit
from .auth import admin_token_required
from .blueprint import bp


@bp.get("/admin/audit")
@admin_token_required
@bp.arguments(AuditQuery, location="query")
@bp.response(200, AuditList)
def admin_audit(query: dict):
    """List the audit trail's events that match the filters, newest first."""
    events, cursor = audit.search(**search_args(query))
    return {"events": events, "next": cursor}
