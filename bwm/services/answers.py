"""Public answers kept per process under the data version they were computed at.

A booking page and the free times of a month are read far more often than they change, and
computing them (a thousand busy intervals through the ORM and the engine, a page of templates)
costs many times what serving them does. Each answer is kept under its organizer's
`data_version` (raised in the transaction of any change, see versions.py), so the request after a
change never gets an answer from before it. Nothing here decides what is visible: the caller
still checks the page and the policy on every request, from fresh rows.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from cachetools import LRUCache
from flask import current_app, request

from ..models import BookingPage, MeetingType


class Answers:
    """A bounded least-recently-used store, safe to share between a worker's threads."""

    def __init__(self, size: int) -> None:
        self._lru: LRUCache = LRUCache(maxsize=size)
        self._lock = threading.Lock()

    def get(self, key: tuple):
        with self._lock:
            return self._lru.get(key)

    def put(self, key: tuple, value) -> None:
        with self._lock:
            self._lru[key] = value


def init_app(app) -> None:
    """Give the app its store (ANSWER_CACHE_SIZE answers; 0 keeps none) and raise versions."""
    from flask_sqlalchemy.session import Session

    from .versions import track

    size = int(app.config.get("ANSWER_CACHE_SIZE", 0))
    app.extensions["bwm.answers"] = Answers(size) if size > 0 else None
    track(Session)


def store() -> Answers | None:
    return current_app.extensions.get("bwm.answers")


def _owner(page: BookingPage) -> tuple:
    """Who the answer belongs to and at which version (the creation time guards reused ids)."""
    user = page.user
    return (user.id, user.created_at, user.data_version, page.id)


def slots(
    mt: MeetingType,
    start: datetime,
    end: datetime,
    now: datetime,
    compute: Callable[[datetime], list[datetime]],
    *,
    duration: int | None = None,
) -> list[datetime]:
    """The free starts of a type in [start, end) for one of its lengths (None: its default),
    computed once per version, length and day.

    Free time depends on `now` in two ways only: nothing starts before now + the minimum notice,
    and nothing lies past today + the horizon. So an answer computed earlier on the same local
    day is the answer now, once the starts that have come too close are dropped from its front.
    """
    answers = store()
    if answers is None:
        return compute(now)
    today = now.astimezone(ZoneInfo(mt.page.timezone)).date()
    # None and the default length give the same answer: keep it once.
    length = duration or mt.duration_minutes
    key = ("slots", mt.id, mt.created_at, _owner(mt.page), start, end, length, today)
    kept = answers.get(key)
    if kept is None or kept[0] > now:  # never kept, or kept at a later time (a test's clock)
        found = compute(now)
        answers.put(key, (now, found))
        return found
    cut = now + timedelta(minutes=mt.min_notice_minutes)
    found = kept[1]
    return found[bisect_left(found, cut) :]


def page(booking_page: BookingPage, locale: str, render: Callable[[], str]) -> str:
    """A public page's HTML for visitors without a session, once per version, URL and language.

    With a session (signed in, or a message waiting to be flashed) or a "keep me signed in"
    cookie the page is rendered afresh: it may say things meant for that visitor only.
    """
    answers = store()
    cookies = request.cookies
    personal = cookies.get(current_app.config["SESSION_COOKIE_NAME"]) or cookies.get(
        current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    )
    if answers is None or personal:
        return render()
    key = ("page", _owner(booking_page), request.script_root, request.full_path, locale)
    html = answers.get(key)
    if html is None:
        html = render()
        answers.put(key, html)
    return html
