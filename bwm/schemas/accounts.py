"""Organizer accounts: a new organizer, a changed name or password."""

from . import In
from .fields import Email, Secret, Slug, Text, Zone

MIN_PASSWORD_LENGTH = 8
PASSWORD = {"min_length": MIN_PASSWORD_LENGTH, "max_length": 500, "required": True}


class OrganizerIn(In):
    email = Email(required=True)
    name = Text(required=True)
    password = Secret(**PASSWORD)
    slug = Slug(required=False)
    timezone = Zone(load_default="UTC")


class ProfileIn(In):
    name = Text(required=True)


class PasswordIn(In):
    password = Secret(**PASSWORD)
