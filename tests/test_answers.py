"""Public answers kept under data versions (bwm/services/answers.py, versions.py).

What a visitor gets from the cached app must be exactly what an app that keeps nothing computes:
as the clock moves through a day, over midnight and a DST change, backwards, and after every kind
of change an organizer or a booking makes.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from bwm.extensions import db
from bwm.models import Booking, BusyBlock, DateOverride, HoursWindow, MeetingType, User
from bwm.services import meeting_types
from bwm.services.organizers import create_organizer
from tests.conftest import Clock

EVERY_DAY = {d: [["08:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def clock() -> Clock:
    # Saturday evening before Stockholm's clocks go forward (2027-03-28 02:00 -> 03:00).
    return Clock(datetime(2027, 3, 27, 19, 7, tzinfo=UTC))


@pytest.fixture
def apps(make_app, clock):
    """The app as shipped (keeping answers) and one that keeps none, over the same database."""
    return make_app(CLOCK=clock), make_app(CLOCK=clock, ANSWER_CACHE_SIZE=0)


@pytest.fixture
def organizer(apps):
    cached, _ = apps
    with cached.app_context():
        user = create_organizer(
            "cache@example.com", "Cache", "long-password", slug="cache", timezone="Europe/Stockholm"
        )
        mt = meeting_types.create(
            user.page,
            {
                "title": "Talk",
                "slug": "talk",
                "duration_minutes": 30,
                "min_notice_minutes": 90,
                "max_days_ahead": 3,
                "hours": EVERY_DAY,
                "slot_step_minutes": 15,
            },
        )
        start = datetime(2027, 3, 28, 9, 0, tzinfo=UTC)
        for hours in (0, 5, 26, 30):
            db.session.add(
                BusyBlock(
                    user_id=user.id,
                    start=start + timedelta(hours=hours),
                    end=start + timedelta(hours=hours, minutes=50),
                )
            )
        db.session.commit()
        return {"id": user.id, "type_id": mt.id}


SLOTS = "/api/v1/pages/cache/types/talk/slots?start=2027-03-27&end=2027-04-01&tz=America/New_York"


def slots(app, url=SLOTS) -> list[str]:
    response = app.test_client().get(url)
    assert response.status_code == 200, response.data
    return response.get_json()["slots"]


def test_kept_slots_equal_fresh_ones_as_the_clock_moves(apps, organizer, clock):
    cached, fresh = apps
    seen = set()
    # Every 37 minutes for two and a half days: over midnight in Stockholm and New York, over
    # Stockholm's DST change, and past the horizon's moving end.
    for _ in range(100):
        answer = slots(cached)
        assert answer == slots(fresh), clock.now
        seen.add(len(answer))
        clock.now += timedelta(minutes=37)
    assert len(seen) > 20  # the answers really changed as time went on
    # A clock moved back (as tests and a corrected server clock do) gets the earlier answer.
    clock.now = datetime(2027, 3, 27, 19, 7, tzinfo=UTC)
    assert slots(cached) == slots(fresh)
    # 21:37 in Stockholm with the notice: the first time is 08:00 the next day, summer time.
    assert slots(cached)[0] == "2027-03-28T02:00:00-04:00"
    # 11:07 in Stockholm: 12:45 with the notice, but 12:45-13:15 meets the busy 13:00-13:50, so
    # the first time is 14:00 there (12:00 UTC, 08:00 in New York).
    clock.now = datetime(2027, 3, 29, 9, 7, tzinfo=UTC)
    assert slots(cached)[0] == slots(fresh)[0] == "2027-03-29T08:00:00-04:00"


def test_the_picker_month_equals_a_fresh_one(apps, organizer, clock):
    cached, fresh = apps
    url = "/b/cache/talk?tz=Asia/Tokyo&month=2027-03&date=2027-03-29"
    for _ in range(30):
        a = cached.test_client().get(url)
        b = fresh.test_client().get(url)
        assert a.status_code == b.status_code == 200
        assert a.data == b.data
        clock.now += timedelta(minutes=53)


def test_a_second_ask_reads_no_busy_time(apps, organizer):
    cached, _ = apps
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with cached.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        slots(cached)
        assert any("busy_blocks" in s for s in statements)
        statements.clear()
        slots(cached)  # the page and the policy are read again; the busy time is not
        assert statements and not any("busy_blocks" in s for s in statements)
    finally:
        event.remove(engine, "before_cursor_execute", record)


def versions_of(app, user_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(User.data_version).where(User.id == user_id))


def change_and_check(app, organizer, change) -> None:
    before = versions_of(app, organizer["id"])
    with app.app_context():
        change(
            db.session.get(User, organizer["id"]), db.session.get(MeetingType, organizer["type_id"])
        )
        db.session.commit()
    assert versions_of(app, organizer["id"]) > before


@pytest.mark.parametrize(
    "change",
    [
        lambda user, mt: setattr(mt, "title", "Renamed"),
        lambda user, mt: setattr(mt, "buffer_after_minutes", 15),
        lambda user, mt: setattr(user.page, "timezone", "Asia/Tokyo"),
        lambda user, mt: setattr(user.page, "published", False),
        lambda user, mt: setattr(user, "licensed", False),
        lambda user, mt: db.session.add(
            HoursWindow(meeting_type_id=mt.id, weekday=0, start_minute=60, end_minute=120)
        ),
        lambda user, mt: db.session.add(
            HoursWindow(page_id=user.page.id, weekday=6, start_minute=0, end_minute=60)
        ),
        lambda user, mt: db.session.delete(user.page.windows[0]),
        lambda user, mt: db.session.add(DateOverride(meeting_type_id=mt.id, day=date(2027, 3, 29))),
        lambda user, mt: db.session.add(
            BusyBlock(
                user_id=user.id,
                start=datetime(2027, 4, 1, tzinfo=UTC),
                end=datetime(2027, 4, 2, tzinfo=UTC),
            )
        ),
        lambda user, mt: db.session.delete(db.session.scalars(select(BusyBlock)).first()),
        lambda user, mt: db.session.delete(mt),
    ],
    ids=[
        "type field",
        "type buffer",
        "page zone",
        "unpublished",
        "licence",
        "type hours added",
        "page hours added",
        "page hours removed",
        "date override",
        "busy block added",
        "busy block removed",
        "type deleted",
    ],
)
def test_every_change_raises_the_organizers_version(apps, organizer, change):
    change_and_check(apps[0], organizer, change)


def test_a_booking_raises_the_version_and_its_time_is_gone_at_once(apps, organizer, clock):
    cached, fresh = apps
    before = slots(cached)
    taken = before[3]
    response = cached.test_client().post(
        "/api/v1/pages/cache/types/talk/bookings",
        json={"start": taken, "name": "Ann", "email": "ann@example.com"},
    )
    assert response.status_code == 201, response.data
    after = slots(cached)
    assert taken not in after and after == slots(fresh)
    with cached.app_context():
        assert db.session.scalars(select(Booking)).one().status == "confirmed"
    # Cancelling frees it again, for the very next visitor.
    manage = response.get_json()["manage_url"].rsplit("/", 1)[1]
    assert cached.test_client().delete(f"/api/v1/bookings/{manage}").status_code in (200, 204)
    assert taken in slots(cached)


def test_page_and_type_changes_show_at_once(apps, organizer, make_token):
    cached, _ = apps
    client = cached.test_client()
    assert b"Talk" in client.get("/b/cache").data
    headers = make_token(organizer["id"])
    response = client.patch(
        f"/api/v1/me/meeting-types/{organizer['type_id']}",
        json={"title": "Coffee"},
        headers=headers,
    )
    assert response.status_code == 200, response.data
    page = client.get("/b/cache").data
    assert b"Coffee" in page and b"Talk" not in page
    # In every language the page is asked in.
    assert "Coffee" in client.get("/b/cache?lang=sv").get_data(as_text=True)
    # Unpublished: gone at once, and back at once.
    assert (
        client.patch("/api/v1/me/page", json={"published": False}, headers=headers).status_code
        == 200
    )
    assert client.get("/b/cache").status_code == 404
    assert client.get(SLOTS).status_code == 404
    assert (
        client.patch("/api/v1/me/page", json={"published": True}, headers=headers).status_code
        == 200
    )
    assert b"Coffee" in client.get("/b/cache").data


def test_a_busy_block_added_through_the_api_takes_its_times_at_once(apps, organizer, make_token):
    cached, fresh = apps
    first = slots(cached)[0]
    start = datetime.fromisoformat(first)
    response = cached.test_client().post(
        "/api/v1/me/busy",
        json={"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()},
        headers=make_token(organizer["id"]),
    )
    assert response.status_code == 201, response.data
    after = slots(cached)
    assert first not in after and after == slots(fresh)


def test_the_organization_turning_bookings_off_closes_kept_pages(apps, organizer):
    cached, _ = apps
    client = cached.test_client()
    assert client.get("/b/cache").status_code == 200
    slots(cached)
    runner = cached.test_cli_runner()
    assert runner.invoke(args=["org", "set", "--bookings", "off"]).exit_code == 0
    assert client.get("/b/cache").status_code == 404
    assert client.get(SLOTS).status_code == 404
    assert runner.invoke(args=["org", "set", "--bookings", "on"]).exit_code == 0
    assert client.get("/b/cache").status_code == 200


def test_a_page_rendered_for_a_signed_in_visitor_is_never_kept_for_others(apps, organizer):
    cached, _ = apps
    with cached.app_context():
        user = db.session.get(User, organizer["id"])
        email = user.email
    member = cached.test_client()
    response = member.post(
        "/login", data={"email": email, "password": "long-password", "remember": "y"}
    )
    assert response.status_code == 303
    # The browser was closed: the session cookie is gone, "keep me signed in" remains.
    member.delete_cookie("session")
    assert member.get_cookie("remember_token") is not None
    signed_in = member.get("/b/cache").get_data(as_text=True)
    assert "X-CSRFToken" in signed_in  # rendered for a signed-in user, with their token
    anonymous = cached.test_client().get("/b/cache").get_data(as_text=True)
    assert "X-CSRFToken" not in anonymous and "Talk" in anonymous
