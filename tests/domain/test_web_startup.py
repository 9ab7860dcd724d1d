"""What a web worker loads at start: the calendar libraries wait until something needs them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_CALENDAR_LIBRARIES = {"icalendar", "recurring_ical_events"}


def _loaded_after(code: str) -> str:
    code += (
        "\nimport sys; print(sorted(name for name in sys.modules"
        f" if name.split('.')[0] in {_CALENDAR_LIBRARIES!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def test_a_web_worker_starts_without_the_calendar_libraries():
    # About 3.4 MB of a worker's memory (make bench holds each to 80 MB); an .ics download, a
    # feed or a sync loads them when it runs.
    code = (
        "from bwm import create_app\n"
        "create_app({'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'SECRET_KEY': 'x'}, serving=True)"
    )
    assert _loaded_after(code) == "[]"


def test_the_calendar_libraries_load_when_a_calendar_is_read():
    code = (
        "from bwm.domain.calendar_events import parse_calendars\n"
        "parse_calendars('BEGIN:VCALENDAR\\r\\nVERSION:2.0\\r\\nEND:VCALENDAR\\r\\n')"
    )
    assert "icalendar" in _loaded_after(code)
