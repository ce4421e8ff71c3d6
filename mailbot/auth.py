"""Who is writing? A registered sender address plus the organisation's secret; lockout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from mailbot import orgs, passwords
from mailbot.config import Settings
from mailbot.models import AuditEvent, Organisation


@dataclass(frozen=True)
class Login:
    """The result of a login: `org` when everything matched; `claimed` is who was named."""

    org: Organisation | None
    claimed: Organisation | None


def authenticate(
    session: Session, settings: Settings, now: datetime,
    sender: str | None, org_name: str | None, secret: str | None,
    verified_before: passwords.VerifiedSecrets | None = None, *, ahead: bool = False,
) -> Login:
    """Check sender, name and secret; every failure looks and costs the same.

    `ahead` is the read-ahead thread checking a mail before its turn (mailbot.ahead): it only
    fills `verified_before`, whose answers the mail's own turn then uses.
    """
    claimed = orgs.find(session, org_name) if org_name else None
    stored = orgs.current_secret(session, claimed) if claimed is not None else None
    registered = (
        claimed is not None and sender is not None and orgs.is_registered(session, claimed, sender)
    )
    if stored is None or not registered or not secret:
        if verified_before is None:
            passwords.burn_time(secret or "")
        else:
            attempt = f"{sender or ''}\0{org_name or ''}"
            verified_before.burn(attempt, secret or "", ahead=ahead)
        return Login(None, claimed)
    if verified_before is not None and claimed.id is not None and stored.id is not None:
        verified = verified_before.verify(claimed.id, stored.id, stored.hash, secret,
                                          ahead=ahead)
    else:
        verified = passwords.verify(stored.hash, secret)
    if not verified or ahead or is_locked(session, settings, now, claimed):
        return Login(None, claimed)
    return Login(claimed, claimed)


def is_locked(session: Session, settings: Settings, now: datetime, org: Organisation) -> bool:
    """Locked when a lock was set within the lockout period."""
    since = now - timedelta(minutes=settings.lockout_minutes)
    return _count(session, org, "login.locked", since) > 0


def record_failure(
    session: Session, settings: Settings, now: datetime, claimed: Organisation | None,
    sender: str | None,
) -> bool:
    """Note a refused login; True when it has just locked the organisation."""
    orgs.audit(session, now, sender or "(onbekend)", "login.failed", claimed, "")
    if claimed is None or is_locked(session, settings, now, claimed):
        return False
    since = now - timedelta(minutes=settings.lockout_minutes)
    if _count(session, claimed, "login.failed", since) < settings.lockout_attempts:
        return False
    orgs.audit(session, now, "mailbot", "login.locked", claimed,
               f"{settings.lockout_attempts} wrong secrets")
    return True


# Run for every login: built once with bound parameters, Core over the table.
_EVENT = AuditEvent.__table__.c  # type: ignore[attr-defined]
_EVENTS_SINCE = select(func.count()).where(
    _EVENT.organisation_id == bindparam("org"), _EVENT.action == bindparam("action"),
    _EVENT.at >= bindparam("since"),
)


def _count(session: Session, org: Organisation, action: str, since: datetime) -> int:
    session.flush()  # a failure noted in this transaction counts
    params = {"org": org.id, "action": action, "since": since}
    return session.execute(_EVENTS_SINCE, params).scalar_one()
