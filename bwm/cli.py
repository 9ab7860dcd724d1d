"""The flask commands of SPEC §5."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .domain.errors import Conflict, ValidationFailed
from .extensions import db
from .models import BusyBlock, now_utc
from .services import audit, meeting_types, organizers

user_cli = AppGroup("user", help="Organizer accounts.")


def _fail(exc: Exception) -> None:
    if isinstance(exc, ValidationFailed):
        message = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
    elif isinstance(exc, Conflict):
        message = exc.message
    else:
        message = str(exc)
    raise click.ClickException(message)


def page_url(slug: str) -> str:
    base = (current_app.config.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    return f"{base}/b/{slug}"


@user_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The organizer's name, shown on their page.")
@click.option("--password", help="Prompted for when not given.")
@click.option("--admin", is_flag=True, help="Make the account an administrator.")
@click.option(
    "--slug", help="The booking page's address (/b/SLUG); made from the name if left out."
)
@click.option("--timezone", default="UTC", show_default=True, help="The page's IANA time zone.")
def user_create(email, name, password, admin, slug, timezone):
    """Create an organizer account with a booking page."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = organizers.create_organizer(
            email, name, password, admin=admin, slug=slug, timezone=timezone
        )
        db.session.flush()
        audit.record(
            "user.create",
            now=now_utc(),
            target_type="user",
            target=user.email,
            after={"name": user.name, "email": user.email, "admin": admin},
            only_changes=False,
        )
    except (ValidationFailed, Conflict) as exc:
        db.session.rollback()
        _fail(exc)
    db.session.commit()
    click.echo(f"Created {user.email}{' (admin)' if admin else ''}.")
    click.echo(f"Booking page: {page_url(user.page.slug)}")


@user_cli.command("token")
@click.argument("email")
def user_token(email):
    """Print a new API token for the user, alone on the last line."""
    user = organizers.find_user(email)
    if user is None:
        raise click.ClickException(f"no user with the email {email}")
    token = organizers.create_api_token(user)
    audit.record("user.token", now=now_utc(), target_type="user", target=user.email)
    db.session.commit()
    click.echo(f"New API token for {user.email} (shown once; send it as 'Authorization: Bearer'):")
    click.echo(token)


@click.command("demo")
@with_appcontext
@click.option("--email", default="demo@example.com", show_default=True)
@click.option("--password", default="demo-password", show_default=True)
def demo(email, password):
    """Make a demo organizer with meeting types and some busy time."""
    user = organizers.find_user(email)
    if user is None:
        user = organizers.create_organizer(
            email, "Demo Organizer", password, admin=True, slug="demo", timezone="Europe/Stockholm"
        )
        page = user.page
        page.welcome = "Pick a time that suits you. All times are shown in your own time zone."
        meeting_types.create(
            page,
            {
                "title": "Project intro call",
                "slug": "intro",
                "description": "A short online call to get to know your project.",
                "duration_minutes": 45,
                "location_kind": "online",
                "buffer_after_minutes": 15,
                "min_notice_minutes": 120,
                "reminders_minutes": [60, 1440],
            },
        )
        meeting_types.create(
            page,
            {
                "title": "Office visit",
                "slug": "office-visit",
                "description": "Come by the office.",
                "duration_minutes": 60,
                "location_kind": "in_person",
                "location": "Storgatan 1, Stockholm",
                "hours": {"tue": [["10:00", "12:00"]], "thu": [["13:00", "16:00"]]},
                "max_per_day": 2,
            },
        )
        _demo_busy(user.id, ZoneInfo(page.timezone))
        db.session.commit()
        click.echo("Demo organizer created.")
    else:
        organizers.set_password(user, password)
        db.session.commit()
        click.echo("Demo organizer already there; its password was reset.")
    click.echo(f"Login: {current_app.config.get('BASE_URL') or 'http://127.0.0.1:5000'}/login")
    click.echo(f"  email:    {email}")
    click.echo(f"  password: {password}")
    click.echo(f"Booking page: {page_url(user.page.slug)}")


def _demo_busy(user_id: int, tz: ZoneInfo) -> None:
    """Scatter some busy time over the next weeks' working hours."""
    rng = random.Random(7)
    today = now_utc().astimezone(tz).date()
    for offset in range(1, 28):
        day = today + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        for _ in range(rng.randint(0, 2)):
            hour = rng.randint(9, 15)
            start = datetime.combine(day, time(hour, rng.choice((0, 30))), tz)
            length = timedelta(minutes=rng.choice((30, 60, 90)))
            db.session.add(
                BusyBlock(user_id=user_id, start=start, end=start + length, title="Busy")
            )


def init_app(app: Flask) -> None:
    from . import cli_dev, cli_policy, cli_privacy

    app.cli.add_command(user_cli)
    app.cli.add_command(demo)
    cli_policy.init_app(app, user_cli)
    cli_privacy.init_app(app)
    app.cli.add_command(cli_dev.dev)  # `flask dev`: make run's server and worker
