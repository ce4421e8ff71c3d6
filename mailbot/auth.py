"""Who is writing? A registered sender address plus the organisation's secret."""

from __future__ import annotations

from sqlmodel import Session

from mailbot import orgs, passwords
from mailbot.models import Organisation


def authenticate(
    session: Session, sender: str | None, org_name: str | None, secret: str | None
) -> Organisation | None:
    """The organisation when sender, name and secret all match; None for any failure.

    Every failure costs one argon2 verification, so timing tells nothing either.
    """
    org = orgs.find(session, org_name) if org_name else None
    stored = orgs.current_secret(session, org) if org is not None else None
    registered = (
        org is not None and sender is not None and orgs.is_registered(session, org, sender)
    )
    if stored is None or not registered or not secret:
        passwords.burn_time(secret or "")
        return None
    return org if passwords.verify(stored.hash, secret) else None
