"""The organization's policy on the command line (SPEC §5): `org show`, `org set`, `user set`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from .domain.errors import ValidationFailed
from .domain.policy import DETAILS, USER_POLICIES
from .extensions import db
from .services import organizers, policy
from .web import now

org_cli = AppGroup("org", help="The organization's policy.")

ON_OFF = click.Choice(["on", "off"])
YES_NO = click.Choice(["yes", "no"])


def _flag(value: str | None) -> bool | None:
    return None if value is None else value in ("on", "yes")


def _retention(value: str) -> int | str | None:
    """`keep` or 0: keep (None); a whole number of days otherwise (the schema checks it)."""
    if value.strip().lower() in ("keep", "0"):
        return None
    try:
        return int(value)
    except ValueError:
        return value  # the schema names it


def _emails(users) -> str:
    return ", ".join(user.email for user in users) or "(empty)"


def _print_settings() -> None:
    for key, value in policy.settings_to_dict(policy.org_policy()).items():
        click.echo(f"{key}: {value}")
    settings = policy.privacy()
    days = settings.retention_days
    click.echo(f"retention_days: {days if days is not None else 'keep'}")
    click.echo(f"consent_text: {settings.consent_text or '(none)'}")
    click.echo(f"allow_list: {_emails(policy.allow_list())}")
    click.echo(f"block_list: {_emails(policy.block_list())}")


def _print_affected(affected: policy.Affected) -> None:
    for user in affected.offline:
        click.echo(f"offline now: {user.email}")
    for user in affected.back:
        click.echo(f"back online: {user.email}")


@org_cli.command("show")
def org_show():
    """Print every organization setting, one `key: value` a line, and the allow and block lists."""
    _print_settings()


@org_cli.command("set")
@click.option("--bookings", type=ON_OFF, help="Bookings with me for the whole organization.")
@click.option(
    "--user-policy",
    type=click.Choice(USER_POLICIES),
    help="none: every licensed user; allow: only the listed users; block: all but the listed.",
)
@click.option("--sharing", type=ON_OFF, help="Sharing calendars with people outside.")
@click.option(
    "--anonymous-sharing",
    type=ON_OFF,
    help="Anonymous access; booking pages need it (off takes every page offline).",
)
@click.option("--max-detail", type=click.Choice(DETAILS), help="The most a share may show.")
@click.option(
    "--retention-days",
    metavar="N|keep",
    help="Erase attendees' personal data N days after a booking ends; keep (or 0): never.",
)
@click.option(
    "--consent-text",
    metavar="TEXT",
    help='The required consent checkbox of every booking form; "" asks for none.',
)
def org_set(
    bookings, user_policy, sharing, anonymous_sharing, max_detail, retention_days, consent_text
):
    """Change the organization's policy; it takes effect at once."""
    privacy_changes = {}
    if retention_days is not None:
        privacy_changes["retention_days"] = _retention(retention_days)
    if consent_text is not None:
        privacy_changes["consent_text"] = consent_text
    changes = {
        "bookings_enabled": _flag(bookings),
        "user_policy": user_policy,
        "external_sharing": _flag(sharing),
        "anonymous_sharing": _flag(anonymous_sharing),
        "max_detail": max_detail,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes and not privacy_changes:
        raise click.UsageError("give at least one setting to change (see --help)")
    try:
        policy.update_privacy(privacy_changes, now=now())
    except ValidationFailed as exc:
        name, message = next(iter(exc.errors.items()))
        raise click.BadParameter(str(message), param_hint="--" + name.replace("_", "-")) from None
    affected = None
    if changes:  # privacy options alone leave the policy (and its updated_at) as it was
        old, new = policy.update_org(changes, now=now())
        affected = policy.affected_by(old, new)
    db.session.commit()
    _print_settings()
    if affected is not None:
        _print_affected(affected)


@click.command("set")
@with_appcontext
@click.argument("email")
@click.option(
    "--bookings",
    type=ON_OFF,
    help="Turn the user on or off through the allow or block list (SPEC §3).",
)
@click.option("--licensed", type=YES_NO, help="The user's Bookings with me licence.")
@click.option("--admin", type=YES_NO, help="Make the user an administrator, or not.")
def user_set(email, bookings, licensed, admin):
    """Change one user's policy: bookings on or off, licence, administrator."""
    user = organizers.find_user(email)
    if user is None:
        raise click.ClickException(f"no user with the email {email}")
    if bookings is None and licensed is None and admin is None:
        raise click.UsageError("give --bookings, --licensed or --admin (see --help)")
    change = policy.set_user(
        user,
        bookings=_flag(bookings),
        licensed=_flag(licensed),
        admin=_flag(admin),
        now=now(),
    )
    db.session.commit()
    if change.new_org.user_policy != change.old_org.user_policy:
        click.echo(f"user_policy: {change.new_org.user_policy} (was {change.old_org.user_policy})")
    standing = policy.standing_of(user)
    click.echo(f"email: {user.email}")
    click.echo(f"licensed: {'yes' if standing.licensed else 'no'}")
    click.echo(f"admin: {'yes' if user.is_admin else 'no'}")
    click.echo(f"allow_listed: {'yes' if standing.allow_listed else 'no'}")
    click.echo(f"block_listed: {'yes' if standing.block_listed else 'no'}")
    reasons = policy.reasons_for(user)
    click.echo(f"bookings: {'off (' + ', '.join(reasons) + ')' if reasons else 'on'}")
    _print_affected(change.affected)


def init_app(app: Flask, user_cli: AppGroup) -> None:
    """Add the `org` group, and `set` to the `user` group."""
    user_cli.add_command(user_set)
    app.cli.add_command(org_cli)
