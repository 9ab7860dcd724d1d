"""Data versions: a number per organizer (and one for the organization) raised in the same
transaction as any change to what their public pages and slots show.

Public answers (the booking page, the slots of a month) are cached under the versions they were
computed at; a cached answer whose versions are not the current ones is never served, so a change
is visible to the very next request. Changes made through the ORM session raise the version by
themselves (see `track`); bulk statements that bypass the session call `bump_user` explicitly.
"""

from __future__ import annotations

from sqlalchemy import update

from ..extensions import db
from ..models import OrgSettings, User


def bump_user(user_id: int) -> None:
    """Raise one organizer's data version, in the current transaction."""
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(data_version=User.data_version + 1)
        .execution_options(synchronize_session=False)
    )


def bump_org() -> None:
    """Raise the organization's version (its policy changed), in the current transaction."""
    db.session.execute(
        update(OrgSettings)
        .values(version=OrgSettings.version + 1)
        .execution_options(synchronize_session=False)
    )
