"""A CalDAV calendar (Nextcloud, Radicale, Fastmail, iCloud ...) through the `caldav` library.

Reading asks the server for the events in the window and expands them here, with the same
function as the feeds (`bwm.domain.calendar_events.busy_intervals`), so both kinds follow the
same rules. Writing puts one booking as one calendar object with the booking's UID.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import caldav
from caldav.lib import error as dav_error

from ..domain.calendar_events import NotICalendar, busy_intervals, parse_calendars
from . import CalendarError, CalendarGone, check_public_url
from .ics import Fetched, http_message, network_message


@contextmanager
def _calendar(
    url: str, username: str, password: str, *, timeout: float, deny_private: bool
) -> Iterator[caldav.Calendar]:
    """Open the calendar at url; turn whatever goes wrong inside into a CalendarError."""
    if deny_private:
        check_public_url(url)
    try:
        with caldav.DAVClient(
            url=url, username=username or None, password=password or None, timeout=timeout
        ) as client:
            yield client.calendar(url=url)
    except CalendarError:
        raise
    except dav_error.NotFoundError as exc:
        raise CalendarGone(http_message(404)) from exc
    except dav_error.AuthorizationError as exc:
        raise CalendarError(http_message(getattr(exc, "status", None) or 401)) from exc
    except dav_error.DAVError as exc:
        status = getattr(exc, "status", None)
        message = http_message(status, exc.reason) if status else f"CalDAV error: {exc.reason}."
        raise CalendarError(message) from exc
    except Exception as exc:  # noqa: BLE001 - niquests and lxml errors of every kind
        raise CalendarError(network_message(_root(exc), timeout)) from exc


def busy_from_caldav(
    url: str,
    username: str,
    password: str,
    start: datetime,
    end: datetime,
    *,
    tz: ZoneInfo,
    skip_uids: Collection[str] = (),
    timeout: float,
    deny_private: bool = False,
) -> Fetched:
    """Return the calendar's busy intervals in [start, end); CalendarError if it fails."""
    with _calendar(url, username, password, timeout=timeout, deny_private=deny_private) as cal:
        objects = cal.search(start=start, end=end, event=True)
        calendars = []
        for obj in objects:
            try:
                calendars.extend(parse_calendars(obj.data))
            except NotICalendar as exc:
                raise CalendarError(
                    f"The server sent an event that is not iCalendar: {exc}"
                ) from exc
        try:
            intervals = busy_intervals(calendars, start, end, tz=tz, skip_uids=skip_uids)
        except NotICalendar as exc:
            raise CalendarError(f"The calendar's events could not be read: {exc}") from exc
        try:
            name = cal.get_display_name() or ""
        except Exception:  # noqa: BLE001 - a name is nice to have, not needed
            name = ""
    return Fetched(intervals, str(name)[:200])


def put_event(
    url: str,
    username: str,
    password: str,
    uid: str,
    resource: bytes,
    *,
    timeout: float,
    deny_private: bool = False,
) -> None:
    """Create or replace the event with this UID in the calendar."""
    with _calendar(url, username, password, timeout=timeout, deny_private=deny_private) as cal:
        data = resource.decode("utf-8")
        try:
            event = cal.get_event_by_uid(uid)
        except dav_error.NotFoundError:
            event = caldav.Event(client=cal.client, parent=cal, data=data)
        else:
            event.data = data
        # As it is: the booking's own SEQUENCE, not bumped by the library on every save.
        event.save(increase_seqno=False)


def delete_event(
    url: str, username: str, password: str, uid: str, *, timeout: float, deny_private: bool = False
) -> None:
    """Delete the event with this UID from the calendar; nothing to do when it is not there."""
    with _calendar(url, username, password, timeout=timeout, deny_private=deny_private) as cal:
        try:
            cal.get_event_by_uid(uid).delete()
        except dav_error.NotFoundError:
            return


def _root(exc: BaseException) -> BaseException:
    """Return the innermost cause (a refused connection inside niquests' wrappers)."""
    seen = 0
    while seen < 10:
        inner = exc.__cause__ or exc.__context__
        if inner is None:
            break
        exc, seen = inner, seen + 1
    if "timed out" in str(exc).lower() or "timeout" in type(exc).__name__.lower():
        return TimeoutError(str(exc))
    return exc
