"""Data versions: a number per organizer, raised in the same transaction as any change to what
their public pages and free times show.

Public answers (the booking page, the free times of a month) are kept under the version they were
computed at; an answer kept under an older version is never served, so a change is visible to
the very next request. Changes made through the ORM session raise the version by
themselves (see `track`); bulk statements that bypass the session call `bump_user` explicitly.
"""

from __future__ import annotations

from sqlalchemy import bindparam, event, select, update

from ..extensions import db
from ..models import BookingPage, MeetingType, User


def bump_user(user_id: int) -> None:
    """Raise one organizer's data version, in the current transaction."""
    db.session.execute(_BUMPS["user"], {"ids": [user_id]})


# What each kind of row says about its organizer: ("user", attribute), ("page", attribute) or
# ("type", attribute) — the attribute holding the id of the user, booking page or meeting type.
# A connected calendar's own row changes at every sync (status, next sync); only its busy rows
# matter here, and services/calendars raises the version itself when it rewrites or deletes them.
_OWNERS: dict[type, list[tuple[str, str]]] = {}


def _owners() -> dict[type, list[tuple[str, str]]]:
    if not _OWNERS:
        from ..models import (
            Booking,
            BookingPage,
            BusyBlock,
            CalendarBusy,
            DateOverride,
            HoursWindow,
            MeetingType,
            PageImage,
            PrivateLink,
        )

        _OWNERS.update(
            {
                User: [("user", "id")],
                BookingPage: [("user", "user_id")],
                MeetingType: [("page", "page_id")],
                HoursWindow: [("page", "page_id"), ("type", "meeting_type_id")],
                DateOverride: [("type", "meeting_type_id")],
                PrivateLink: [("type", "meeting_type_id")],
                PageImage: [("page", "page_id")],
                BusyBlock: [("user", "user_id")],
                Booking: [("user", "user_id")],
                CalendarBusy: [("user", "user_id")],
            }
        )
    return _OWNERS


def _after_flush(session, flush_context) -> None:
    """Raise the data version of every organizer whose rows this flush wrote."""
    owners = _owners()
    ids: dict[str, set[int]] = {"user": set(), "page": set(), "type": set()}
    for obj in (*session.new, *session.dirty, *session.deleted):
        for kind, attribute in owners.get(type(obj), ()):
            value = obj.__dict__.get(attribute)  # never a lazy load in the middle of a flush
            if value is not None:
                ids[kind].add(value)
    # On the flush's own connection: a Core statement, so no ORM flush runs again.
    connection = session.connection()
    for kind, statement in _BUMPS.items():
        if ids[kind]:
            connection.execute(statement, {"ids": sorted(ids[kind])})


# The version raises for users, and for the owners of pages and of types, built once: building
# a statement costs more than running it, and every booking runs one.
_IDS = bindparam("ids", expanding=True)
_RAISE = {"data_version": User.data_version + 1}
_BUMPS = {
    "user": update(User).where(User.id.in_(_IDS)).values(_RAISE),
    "page": update(User)
    .where(User.id.in_(select(BookingPage.user_id).where(BookingPage.id.in_(_IDS))))
    .values(_RAISE),
    "type": update(User)
    .where(
        User.id.in_(
            select(BookingPage.user_id)
            .join(MeetingType, MeetingType.page_id == BookingPage.id)
            .where(MeetingType.id.in_(_IDS))
        )
    )
    .values(_RAISE),
}


def track(session_class) -> None:
    """Make every flush of the app's sessions raise the versions it touches (once per process)."""
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "after_flush", _after_flush)
