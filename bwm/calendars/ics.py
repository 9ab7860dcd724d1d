"""An ICS feed over HTTP(S): fetch it within a size limit and a time limit, then read it."""

from __future__ import annotations

import base64
import http.client
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from ..domain.calendar_events import BusyEvent, NotICalendar, busy_intervals, calendar_name
from ..domain.calendar_events import parse_calendars as _parse
from . import CalendarError, check_public_url

USER_AGENT = "bwm-calendar-sync/1.0"
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Fetched:
    intervals: list[BusyEvent]
    name: str


def busy_from_feed(
    url: str,
    start: datetime,
    end: datetime,
    *,
    tz: ZoneInfo,
    skip_uids: Collection[str] = (),
    timeout: float,
    max_bytes: int,
    deny_private: bool = False,
    username: str = "",
    password: str = "",
) -> Fetched:
    """Fetch a feed and return its busy intervals in [start, end); CalendarError if it fails."""
    data = fetch(
        url,
        timeout=timeout,
        max_bytes=max_bytes,
        deny_private=deny_private,
        username=username,
        password=password,
    )
    try:
        calendars = _parse(data)
        intervals = busy_intervals(calendars, start, end, tz=tz, skip_uids=skip_uids)
    except NotICalendar as exc:
        raise CalendarError(f"The feed is not a calendar: {exc}") from exc
    return Fetched(intervals, calendar_name(calendars))


def fetch(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    deny_private: bool = False,
    username: str = "",
    password: str = "",
) -> bytes:
    """GET url and return its body; stop with CalendarError past max_bytes or timeout seconds.

    The time limit covers the whole download (a server that sends a byte a second is stopped
    too), not only each wait on the socket. Redirects are followed (at most 5), each checked;
    a user name and password go as HTTP Basic to the first host only.
    """
    if deny_private:
        check_public_url(url)
    opener = urllib.request.build_opener(
        _Redirects(deny_private), urllib.request.HTTPSHandler(context=ssl.create_default_context())
    )
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    )
    if username or password:
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        request.add_unredirected_header("Authorization", f"Basic {token}")
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise CalendarError(_too_large(max_bytes))
            chunks: list[bytes] = []
            total = 0
            while True:
                if time.monotonic() > deadline:
                    raise CalendarError(_too_slow(timeout))
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise CalendarError(_too_large(max_bytes))
                chunks.append(chunk)
    except CalendarError:
        raise
    except urllib.error.HTTPError as exc:
        raise CalendarError(http_message(exc.code, exc.reason)) from exc
    except urllib.error.URLError as exc:
        raise CalendarError(network_message(exc.reason, timeout)) from exc
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise CalendarError(network_message(exc, timeout)) from exc
    return b"".join(chunks)


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = 5

    def __init__(self, deny_private: bool) -> None:
        super().__init__()
        self.deny_private = deny_private

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not newurl.lower().startswith(("http://", "https://")):
            raise CalendarError(f"the feed redirects to {newurl!r}, which is not http(s)")
        if self.deny_private:
            check_public_url(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def http_message(code: int, reason: object = "") -> str:
    """Say what an HTTP error status means for the organizer."""
    if code in (401, 403):
        return f"The server refused access ({code}): check the address, user name and password."
    if code == 404:
        return "The server answered 404 Not Found: check the address."
    return f"The server answered {code} {reason}".strip() + "."


def network_message(reason: object, timeout: float) -> str:
    """Say what a network failure means for the organizer."""
    if isinstance(reason, TimeoutError):
        return _too_slow(timeout)
    if isinstance(reason, ConnectionRefusedError):
        return "Could not connect: the connection was refused."
    if isinstance(reason, ssl.SSLError):
        return f"The secure connection failed: {reason}."
    text = str(getattr(reason, "strerror", None) or reason) or type(reason).__name__
    return f"Could not fetch the calendar: {text}."


def _too_large(max_bytes: int) -> str:
    return f"The calendar is larger than the limit of {max_bytes // 1024} KiB."


def _too_slow(timeout: float) -> str:
    return f"The calendar's server did not answer within {timeout:g} seconds."
