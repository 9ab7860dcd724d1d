"""The weekly-hours and date-override editors: form fields <-> the API's JSON shape.

Both editors hold their rows in plain lists so that "Add" and "Remove" can re-render them,
unsaved, from what the browser sent: as a fragment for htmx, as the whole form without it.
`<input type="time">` cannot say 24:00, so an end of 00:00 means midnight at the end of the day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..domain.errors import ValidationFailed
from ..domain.questions import CHOICE_KINDS, MAX_QUESTIONS
from ..schemas import check
from ..schemas.fields import WEEKDAYS, Hours, Overrides
from ..web import translated

HoursState = dict[str, list[list[str]]]  # day -> [[start, end], ...] as the inputs show them

_HOURS_KEY = re.compile(r"^hours-(mon|tue|wed|thu|fri|sat|sun)-(\d{1,3})-(start|end)$")
_OVERRIDE_KEY = re.compile(r"^override-(\d{1,3})-(date|off|start|end)$")
_TIME = re.compile(r"^\d{1,2}:\d{2}$")
MAX_ROWS = 48  # a bound on what one request may ask us to render


@dataclass
class DayHours:
    key: str
    label: str
    windows: list[list[str]]
    error: str | None = None


def _time(value: str | None) -> str:
    """Return a time input's value as HH:MM (browsers may add :00 seconds)."""
    value = (value or "").strip()
    if re.match(r"^\d{1,2}:\d{2}:\d{2}(\.\d+)?$", value):
        value = value[:5] if value[2] == ":" else value[:4]
    return value


def _as_end(value: str) -> str:
    """Read an end time: 00:00 is midnight at the end of the day."""
    return "24:00" if value in ("00:00", "0:00") else value


def _shown_end(value: str) -> str:
    return "00:00" if value == "24:00" else value


def day_names() -> dict[str, str]:
    """Return the weekday names in the page's language, by key (mon ... sun)."""
    names = get_day_names("wide", locale=str(get_locale() or "en"))
    return {key: names[i].capitalize() for i, key in enumerate(WEEKDAYS)}


# --- weekly hours ---------------------------------------------------------------------------


def hours_from_json(hours: dict | None) -> HoursState:
    """Turn {"mon": [["09:00", "24:00"]], ...} into the editor's rows."""
    hours = hours or {}
    return {day: [[a, _shown_end(b)] for a, b in hours.get(day, [])] for day in WEEKDAYS}


def hours_from_form(formdata: MultiDict) -> HoursState:
    """Read every day's windows from fields named hours-<day>-<n>-start/end."""
    found: dict[str, dict[int, dict[str, str]]] = {day: {} for day in WEEKDAYS}
    for key in formdata:
        match = _HOURS_KEY.match(key)
        if match:
            day, index, part = match.group(1), int(match.group(2)), match.group(3)
            found[day].setdefault(index, {})[part] = _time(formdata.get(key))
    return {
        day: [[rows[i].get("start", ""), rows[i].get("end", "")] for i in sorted(rows)[:MAX_ROWS]]
        for day, rows in found.items()
    }


def _next_window(windows: list[list[str]]) -> list[str]:
    """Suggest a window: 09:00-17:00 on an empty day, else an hour after the last one."""
    if not windows:
        return ["09:00", "17:00"]
    last_end = _as_end(windows[-1][1])
    if not _TIME.match(last_end):
        return ["", ""]
    hours, minutes = (int(p) for p in last_end.split(":"))
    start = hours * 60 + minutes + 60
    if start + 60 > 24 * 60:
        return ["", ""]
    end = start + 60
    return [f"{start // 60:02d}:{start % 60:02d}", _shown_end(f"{end // 60:02d}:{end % 60:02d}")]


def apply_hours_action(state: HoursState, action: str) -> str | None:
    """Apply "add-<day>" or "remove-<day>-<n>"; return the day changed, or None."""
    parts = (action or "").split("-")
    if len(parts) == 2 and parts[0] == "add" and parts[1] in WEEKDAYS:
        day = parts[1]
        if len(state[day]) < MAX_ROWS:
            state[day].append(_next_window(state[day]))
        return day
    if len(parts) == 3 and parts[0] == "remove" and parts[1] in WEEKDAYS and parts[2].isdigit():
        day, index = parts[1], int(parts[2])
        if index < len(state[day]):
            del state[day][index]
        return day
    return None


def hours_to_json(state: HoursState) -> dict[str, list[list[str]]]:
    """Return the API's shape; a row left empty is dropped, 00:00 as an end becomes 24:00."""
    return {day: [[a, _as_end(b)] for a, b in windows if a or b] for day, windows in state.items()}


def hours_errors(state: HoursState) -> dict[str, str]:
    """Check each day on its own so that every wrong day gets its message."""
    errors = {}
    for day, windows in hours_to_json(state).items():
        if any(not a or not b for a, b in windows):
            errors[day] = _("Give each window both a start and an end.")
            continue
        try:
            check(Hours(), {day: windows}, "hours")
        except ValidationFailed as exc:
            message = exc.errors["hours"]
            # "mon: the start must be before the end" shows beside Monday without its "mon: ".
            problem = getattr(message, "values", {}).get("problem", message)
            errors[day] = translated(problem)
    return errors


def editor_days(state: HoursState, errors: dict[str, str] | None = None) -> list[DayHours]:
    names = day_names()
    errors = errors or {}
    return [DayHours(day, names[day], state[day], errors.get(day)) for day in WEEKDAYS]


def one_day(state: HoursState, day: str, errors: dict[str, str] | None = None) -> DayHours:
    return DayHours(day, day_names()[day], state[day], (errors or {}).get(day))


# --- date overrides -------------------------------------------------------------------------


def overrides_from_json(overrides: dict | None) -> list[dict]:
    """Turn {"2027-03-10": [] or [["10:00", "12:00"]]} into rows: one per window or day off."""
    rows = []
    for day, windows in sorted((overrides or {}).items()):
        if not windows:
            rows.append({"date": day, "off": True, "start": "", "end": ""})
        for a, b in windows:
            rows.append({"date": day, "off": False, "start": a, "end": _shown_end(b)})
    return rows


def overrides_from_form(formdata: MultiDict) -> list[dict]:
    """Read the rows named override-<n>-date/off/start/end."""
    found: dict[int, dict] = {}
    for key in formdata:
        match = _OVERRIDE_KEY.match(key)
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = formdata.get(key)
    rows = []
    for index in sorted(found)[:MAX_ROWS]:
        row = found[index]
        rows.append(
            {
                "date": (row.get("date") or "").strip(),
                "off": bool(row.get("off")),
                "start": _time(row.get("start")),
                "end": _time(row.get("end")),
            }
        )
    return rows


def apply_overrides_action(rows: list[dict], action: str) -> bool:
    """Apply "add-override" or "remove-override-<n>"; tell whether it was one of them."""
    if action == "add-override":
        if len(rows) < MAX_ROWS:
            rows.append({"date": "", "off": True, "start": "", "end": ""})
        return True
    prefix = "remove-override-"
    if action and action.startswith(prefix) and action[len(prefix) :].isdigit():
        index = int(action[len(prefix) :])
        if index < len(rows):
            del rows[index]
        return True
    return False


def overrides_to_json(rows: list[dict]) -> tuple[dict[str, list[list[str]]], str | None]:
    """Return the API's shape and the first problem with the rows, if any."""
    result: dict[str, list[list[str]]] = {}
    days_off: set[str] = set()
    for row in rows:
        day, start, end = row["date"], row["start"], row["end"]
        if not day:
            if start or end:
                return result, _("Give each override a date.")
            continue  # an empty row
        if row["off"]:
            days_off.add(day)
            result.setdefault(day, [])
            continue
        if not start or not end:
            return result, _("%(day)s: tick “day off” or give a start and an end.", day=day)
        result.setdefault(day, []).append([start, _as_end(end)])
    for day in days_off:
        if result[day]:
            return result, _("%(day)s is a day off and also has hours.", day=day)
    try:
        check(Overrides(), result, "overrides")
    except ValidationFailed as exc:
        return result, translated(exc.errors["overrides"])
    return result, None


# -- booking questions --------------------------------------------------------------------------

_QUESTION_KEY = re.compile(r"^question-(\d{1,3})-(id|label|kind|required|options|help)$")


def questions_from_json(questions: list[dict] | None) -> list[dict]:
    """Turn the API's questions into the editor's rows (options one a line)."""
    return [
        {
            "id": q.get("id", ""),
            "label": q.get("label", ""),
            "kind": q.get("kind", "text"),
            "required": bool(q.get("required")),
            "options": "\n".join(q.get("options") or ()),
            "help": q.get("help", ""),
        }
        for q in questions or ()
    ]


def questions_from_form(formdata: MultiDict) -> list[dict]:
    """Read the rows named question-<n>-id/label/kind/required/options/help."""
    found: dict[int, dict] = {}
    for key in formdata:
        match = _QUESTION_KEY.match(key)
        if match:
            found.setdefault(int(match.group(1)), {})[match.group(2)] = formdata.get(key)
    return [
        {
            "id": (row.get("id") or "").strip(),
            "label": row.get("label") or "",
            "kind": row.get("kind") or "text",
            "required": bool(row.get("required")),
            "options": row.get("options") or "",
            "help": row.get("help") or "",
        }
        for index in sorted(found)[:MAX_ROWS]
        for row in (found[index],)
    ]


def apply_questions_action(rows: list[dict], action: str) -> bool:
    """Apply "add-question", "remove-question-<n>", "up-question-<n>" or "down-question-<n>";
    tell whether it was one of them."""
    if action == "add-question":
        if len(rows) < MAX_QUESTIONS:
            rows.append(
                {
                    "id": "",
                    "label": "",
                    "kind": "text",
                    "required": False,
                    "options": "",
                    "help": "",
                }
            )
        return True
    verb, _sep, number = (action or "").rpartition("-question-")
    if verb not in ("remove", "up", "down") or not number.isdigit():
        return False
    index = int(number)
    if index >= len(rows):
        return True
    if verb == "remove":
        del rows[index]
    elif verb == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and index + 1 < len(rows):
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return True


def questions_to_json(rows: list[dict]) -> list[dict]:
    """The API's shape of the rows; a row with nothing written in it is left out."""
    out = []
    for row in rows:
        if not row["label"].strip() and not row["options"].strip() and not row["help"].strip():
            continue
        question = {
            "label": row["label"],
            "kind": row["kind"],
            "required": row["required"],
            "options": row["options"] if row["kind"] in CHOICE_KINDS else "",
            "help": row["help"],
        }
        if row["id"]:
            question["id"] = row["id"]
        out.append(question)
    return out


def question_errors(rows: list[dict], errors: dict) -> list[dict]:
    """Each row's messages ({field: message}) from the schema's "questions.<i>.<field>" keys.

    Rows left out of the JSON (empty ones) shift the indexes: they are mapped back here.
    """
    kept = [
        i
        for i, row in enumerate(rows)
        if row["label"].strip() or row["options"].strip() or row["help"].strip()
    ]
    per_row: list[dict] = [{} for _row in rows]
    for key, message in errors.items():
        parts = key.split(".")
        if len(parts) >= 2 and parts[0] == "questions" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(kept):
                per_row[kept[index]][parts[2] if len(parts) > 2 else "label"] = translated(message)
    return per_row
