"""Booking policies in the free times (SPEC §9): weekly and monthly caps in the organizer's zone,
requests holding their time, which calendars block a type, and the length the attendee asks for;
through the slots API and the booking API, as an attendee sees them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bwm.extensions import db
from bwm.models import Booking, BusyBlock, CalendarBusy, ConnectedCalendar, MeetingType
from bwm.services import meeting_types
from bwm.services.organizers import create_organizer
from tests.conftest import Clock

STO = ZoneInfo("Europe/Stockholm")
EVERY_DAY = {d: [["09:00", "12:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
_uids = count(1)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2027, 2, 15, 6, 0, tzinfo=UTC))  # a Monday, weeks before the times


@pytest.fixture
def app(make_app, clock):
    return make_app(CLOCK=clock)


@pytest.fixture
def organizer(app, make_token):
    with app.app_context():
        user = create_organizer(
            "caps@example.com", "Caps", "long-password", slug="caps", timezone="Europe/Stockholm"
        )
        db.session.commit()
        found = {"id": user.id}
    return {**found, "headers": make_token(found["id"])}


def make_type(app, organizer, slug: str, **values) -> int:
    with app.app_context():
        from bwm.models import User

        page = db.session.get(User, organizer["id"]).page
        mt = meeting_types.create(
            page,
            {
                "title": slug.title(),
                "slug": slug,
                "duration_minutes": 60,
                "max_days_ahead": 400,
                "hours": EVERY_DAY,
                **values,
            },
        )
        db.session.commit()
        return mt.id


def add_booking(app, type_id: int, start: datetime, status: str = "confirmed", minutes: int = 60):
    """A booking row as the booking service leaves it (any status, for the counts)."""
    with app.app_context():
        mt = db.session.get(MeetingType, type_id)
        n = next(_uids)
        db.session.add(
            Booking(
                user_id=mt.page.user_id,
                meeting_type_id=type_id,
                start=start.astimezone(UTC),
                end=(start + timedelta(minutes=minutes)).astimezone(UTC),
                attendee_name="Ann",
                attendee_email="ann@example.com",
                status=status,
                uid=f"policy-{n}@example.com",
                manage_token_id=f"policy-{n}",
            )
        )
        db.session.commit()


def at(text: str) -> datetime:
    """An organizer-local time, "YYYY-MM-DD HH:MM" in Stockholm."""
    return datetime.fromisoformat(text).replace(tzinfo=STO)


def slots(client, type_slug: str, first: str, last: str, **query) -> list[str]:
    response = client.get(
        f"/api/v1/pages/caps/types/{type_slug}/slots",
        query_string={"start": first, "end": last, **query},
    )
    assert response.status_code == 200, response.json
    return response.json["slots"]


def slot_days(client, type_slug: str, first: str, last: str, **query) -> list[str]:
    """The dates (in the answer's zone) that offer any time."""
    return sorted({s[:10] for s in slots(client, type_slug, first, last, **query)})


def days(first: str, last: str) -> list[str]:
    one, out = date.fromisoformat(first), []
    while one <= date.fromisoformat(last):
        out.append(one.isoformat())
        one += timedelta(days=1)
    return out


def book(client, type_slug: str, start: datetime, **body):
    return client.post(
        f"/api/v1/pages/caps/types/{type_slug}/bookings",
        json={"start": start.isoformat(), "name": "Bo", "email": "bo@example.org", **body},
    )


# -- weekly and monthly caps ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "counts"),
    [("confirmed", True), ("pending", True), ("declined", False), ("cancelled", False)],
)
def test_a_full_week_offers_no_times_and_requests_count(app, client, organizer, status, counts):
    type_id = make_type(app, organizer, "weekly", max_per_week=2)
    # 2027-03-01 is a Monday. Both bookings lie before the dates asked for: still that week's.
    add_booking(app, type_id, at("2027-03-01 10:00"), "confirmed")
    add_booking(app, type_id, at("2027-03-02 10:00"), status)
    found = slot_days(client, "weekly", "2027-03-05", "2027-03-10")
    if counts:
        assert found == days("2027-03-08", "2027-03-10")  # Friday to Sunday closed
    else:
        assert found == days("2027-03-05", "2027-03-10")


def test_the_week_is_the_organizers_not_the_attendees(app, client, organizer):
    type_id = make_type(app, organizer, "weekly", max_per_week=1)
    # Monday 00:30 in Stockholm is Sunday 23:30 in UTC: a booking of the week of 8 March.
    add_booking(app, type_id, at("2027-03-08 00:30"))
    assert slot_days(client, "weekly", "2027-03-01", "2027-03-14") == days(
        "2027-03-01", "2027-03-07"
    )
    # Seen from New York the same times, on the same dates (09:00-12:00 in Stockholm is morning
    # there too): the attendee's zone moves no week.
    new_york = slots(client, "weekly", "2027-03-01", "2027-03-14", tz="America/New_York")
    assert {s[:10] for s in new_york} == set(days("2027-03-01", "2027-03-07"))
    assert new_york[0] == "2027-03-01T03:00:00-05:00"


def test_a_full_month_offers_no_times_and_the_next_opens(app, client, organizer):
    type_id = make_type(app, organizer, "monthly", max_per_month=3)
    add_booking(app, type_id, at("2027-03-01 00:30"))  # 28 February in UTC: March's
    add_booking(app, type_id, at("2027-03-30 10:00"), "pending")
    add_booking(app, type_id, at("2027-03-31 10:00"))
    add_booking(app, type_id, at("2027-02-10 10:00"))  # February's, under its cap
    assert slot_days(client, "monthly", "2027-02-25", "2027-03-03") == days(
        "2027-02-25", "2027-02-28"
    )
    assert slot_days(client, "monthly", "2027-03-30", "2027-04-02") == days(
        "2027-04-01", "2027-04-02"
    )


def test_a_week_across_a_month_end_counts_both_months(app, client, organizer):
    type_id = make_type(app, organizer, "both", max_per_week=2, max_per_month=5)
    add_booking(app, type_id, at("2027-05-31 10:00"))  # Monday, in May
    add_booking(app, type_id, at("2027-06-06 10:00"))  # Sunday of the same ISO week, in June
    assert slot_days(client, "both", "2027-05-28", "2027-06-08") == [
        *days("2027-05-28", "2027-05-30"),
        *days("2027-06-07", "2027-06-08"),
    ]


def db_type_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(MeetingType.id).where(MeetingType.slug == slug))


def test_the_cap_is_checked_when_booking(app, client, organizer):
    make_type(app, organizer, "weekly", max_per_week=2)
    assert book(client, "weekly", at("2027-03-01 09:00")).status_code == 201
    assert book(client, "weekly", at("2027-03-03 11:00")).status_code == 201
    taken = book(client, "weekly", at("2027-03-07 10:00"))  # the same week's Sunday
    assert taken.status_code == 409
    assert book(client, "weekly", at("2027-03-08 09:00")).status_code == 201  # the next week
    month = make_type(app, organizer, "monthly", max_per_month=1)
    add_booking(app, month, at("2027-04-30 10:00"), "pending")
    assert book(client, "monthly", at("2027-04-01 09:00")).status_code == 409
    assert book(client, "monthly", at("2027-05-01 09:00")).status_code == 201


def test_rescheduling_within_a_full_week_leaves_its_own_booking_out(app, client, organizer):
    make_type(app, organizer, "weekly", max_per_week=1)
    booked = book(client, "weekly", at("2027-03-02 09:00"))
    assert booked.status_code == 201
    token = booked.json["manage_url"].rsplit("/", 1)[-1]
    moved = client.patch(
        f"/api/v1/bookings/{token}", json={"start": at("2027-03-04 10:00").isoformat()}
    )
    assert moved.status_code == 200, moved.json
    assert moved.json["booking"]["start"] == "2027-03-04T10:00:00+01:00"
    # Into the next week, it is that week's one booking: the first week opens again.
    moved = client.patch(
        f"/api/v1/bookings/{token}", json={"start": at("2027-03-09 10:00").isoformat()}
    )
    assert moved.status_code == 200, moved.json
    assert slot_days(client, "weekly", "2027-03-01", "2027-03-14") == days(
        "2027-03-01", "2027-03-07"
    )


# -- requests hold their time ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "holds"),
    [("pending", True), ("confirmed", True), ("declined", False), ("cancelled", False)],
)
def test_a_request_holds_its_time_for_every_type(app, client, organizer, status, holds):
    asked = make_type(app, organizer, "asked", requires_confirmation=True)
    make_type(app, organizer, "other")
    add_booking(app, asked, at("2027-03-01 10:00"), status)
    shown = slots(client, "other", "2027-03-01", "2027-03-01", tz="Europe/Stockholm")
    if holds:
        assert shown == ["2027-03-01T09:00:00+01:00", "2027-03-01T11:00:00+01:00"]
        assert book(client, "other", at("2027-03-01 10:00")).status_code == 409
    else:
        assert shown == [f"2027-03-01T{h}:00:00+01:00" for h in ("09", "10", "11")]
        assert book(client, "other", at("2027-03-01 10:00")).status_code == 201


# -- which calendars block ------------------------------------------------------------------------


@pytest.fixture
def calendars(app, organizer):
    """Two connected calendars, each busy at one hour of 1 March; a busy block and a booking of
    another type at two more."""
    with app.app_context():
        ids = []
        for name, hour in (("Work", "09"), ("Family", "10")):
            calendar = ConnectedCalendar(
                user_id=organizer["id"], kind="ics", url=f"https://example.com/{name}", name=name
            )
            db.session.add(calendar)
            db.session.flush()
            start = at(f"2027-03-01 {hour}:00").astimezone(UTC)
            db.session.add(
                CalendarBusy(
                    calendar_id=calendar.id,
                    user_id=organizer["id"],
                    start=start,
                    end=start + timedelta(minutes=30),
                )
            )
            ids.append(calendar.id)
        start = at("2027-03-01 11:00").astimezone(UTC)
        db.session.add(
            BusyBlock(user_id=organizer["id"], start=start, end=start + timedelta(minutes=30))
        )
        db.session.commit()
    other = make_type(app, organizer, "other")
    add_booking(app, other, at("2027-03-01 12:00"), "pending")
    return {"work": ids[0], "family": ids[1]}


def hours_shown(client, slug: str) -> list[str]:
    return [s[11:16] for s in slots(client, slug, "2027-03-01", "2027-03-01")]


@pytest.mark.parametrize(
    ("blocking", "expected"),
    [
        (None, ["09:30", "10:30", "11:30", "13:00", "13:30"]),  # every calendar blocks
        (["work"], ["09:30", "10:00", "10:30", "11:30", "13:00", "13:30"]),
        (["family"], ["09:00", "09:30", "10:30", "11:30", "13:00", "13:30"]),
        (["work", "family"], ["09:30", "10:30", "11:30", "13:00", "13:30"]),
        ([], ["09:00", "09:30", "10:00", "10:30", "11:30", "13:00", "13:30"]),  # none does
    ],
)
def test_only_the_chosen_calendars_block(
    app, client, organizer, calendars, make_token, blocking, expected
):
    # Hours 09:00-14:00; the busy block (11:00) and the other type's request (12:00) always block.
    type_id = make_type(
        app,
        organizer,
        "chosen",
        duration_minutes=30,
        hours={d: [["09:00", "14:00"]] for d in ("mon", "tue")},
    )
    ids = None if blocking is None else [calendars[name] for name in blocking]
    response = client.patch(
        f"/api/v1/me/meeting-types/{type_id}",
        json={"blocking_calendars": ids},
        headers=organizer["headers"],
    )
    assert response.status_code == 200, response.json
    assert response.json["blocking_calendars"] == (None if ids is None else sorted(ids))
    assert hours_shown(client, "chosen") == expected
    # The booking check under the lock reads the same busy time.
    family_time = book(client, "chosen", at("2027-03-01 10:00"))
    assert family_time.status_code == (201 if "10:00" in expected else 409)
    assert book(client, "chosen", at("2027-03-01 11:00")).status_code == 409


def test_other_types_still_see_every_calendar(app, client, organizer, calendars):
    make_type(app, organizer, "chosen", duration_minutes=30, blocking_calendars=[])
    make_type(app, organizer, "all", duration_minutes=30)
    assert "09:00" in hours_shown(client, "chosen")
    assert hours_shown(client, "all")[:2] == ["09:30", "10:30"]


# -- lengths --------------------------------------------------------------------------------------


@pytest.fixture
def lengths(app, organizer):
    """A 30-minute type that also offers 60 and 90; 1 March open 09:00-11:00, busy from 10:30."""
    type_id = make_type(
        app,
        organizer,
        "lengths",
        duration_minutes=30,
        durations_minutes=[30, 60, 90],
        slot_step_minutes=30,
        hours={"mon": [["09:00", "11:00"]]},
    )
    with app.app_context():
        start = at("2027-03-01 10:30").astimezone(UTC)
        db.session.add(
            BusyBlock(user_id=organizer["id"], start=start, end=start + timedelta(minutes=30))
        )
        db.session.commit()
    return type_id


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["09:00", "09:30", "10:00"]),
        ({"duration": 30}, ["09:00", "09:30", "10:00"]),
        ({"duration": 60}, ["09:00", "09:30"]),
        ({"duration": 90}, ["09:00"]),
    ],
)
def test_the_slots_api_answers_for_the_length_asked(client, lengths, query, expected):
    shown = slots(client, "lengths", "2027-03-01", "2027-03-01", **query)
    assert [s[11:16] for s in shown] == expected


def test_each_length_is_kept_apart(client, lengths):
    # Asked one after the other, each length gets its own answer, not the first one kept.
    for minutes, expected in ((60, 2), (30, 3), (90, 1), (60, 2), (30, 3)):
        assert len(slots(client, "lengths", "2027-03-01", "2027-03-01", duration=minutes)) == (
            expected
        )


@pytest.mark.parametrize("duration", ["45", "15", "abc", "0", "100000"])
def test_a_length_the_type_does_not_offer_is_refused(client, lengths, duration):
    response = client.get(
        "/api/v1/pages/caps/types/lengths/slots",
        query_string={"start": "2027-03-01", "end": "2027-03-01", "duration": duration},
    )
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["duration"]
    if duration in ("45", "15"):
        assert response.json["errors"]["duration"] == "must be one of 30, 60, 90"


def test_a_type_with_one_length_takes_only_that_one(app, client, organizer):
    make_type(app, organizer, "single", duration_minutes=60)
    assert slots(client, "single", "2027-03-01", "2027-03-01", duration=60)
    response = client.get(
        "/api/v1/pages/caps/types/single/slots",
        query_string={"start": "2027-03-01", "end": "2027-03-01", "duration": 30},
    )
    assert response.status_code == 422
    assert response.json["errors"] == {"duration": "must be one of 60"}


def test_a_booking_of_a_length_checks_that_length(client, lengths):
    # 09:30 is free for 30 and 60 minutes; 90 would run into the busy time at 10:30.
    assert book(client, "lengths", at("2027-03-01 09:30"), duration_minutes=90).status_code == 409
    booked = book(client, "lengths", at("2027-03-01 09:30"), duration_minutes=60)
    assert booked.status_code == 201
    assert slots(client, "lengths", "2027-03-01", "2027-03-01") == ["2027-03-01T09:00:00+01:00"]
    assert slots(client, "lengths", "2027-03-01", "2027-03-01", duration=60) == []
    refused = book(client, "lengths", at("2027-03-01 13:00"), duration_minutes=45)
    assert refused.status_code == 422
    assert refused.json["errors"]["duration_minutes"].startswith("must be one of 30, 60")
