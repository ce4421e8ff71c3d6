"""Who is writing? A registered sender address plus the organisation's secret; lockout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, func, select
from sqlmodel import Session

from mailbot import orgs, passwords
from mailbot.config import Settings
from mailbot.models import Address, AuditEvent, Organisation, Secret
from mailbot.names import name_key

# Everything a login needs in one statement, two for an alias (this runs for every mail): the
# organisation by name or alias (as orgs.find), its current secret (orgs.current_secret),
# whether the sender's address is registered to it, and whether it is locked (is_locked).
_ORG = Organisation.__table__.c  # type: ignore[attr-defined]
_SECRET = Secret.__table__.c  # type: ignore[attr-defined]
_ADDRESS = Address.__table__.c  # type: ignore[attr-defined]
_EVENT = AuditEvent.__table__.c  # type: ignore[attr-defined]


def _newest_secret(column: Any) -> Any:
    return (select(column)
            .where(_SECRET.organisation_id == _ORG.id, _SECRET.revoked_at.is_(None))
            .order_by(_SECRET.id.desc()).limit(1).scalar_subquery())


_FACTS = select(
    Organisation,
    _newest_secret(_SECRET.id),
    _newest_secret(_SECRET.hash),
    exists().where(_ADDRESS.organisation_id == _ORG.id, _ADDRESS.email == bindparam("email")),
    exists().where(_EVENT.organisation_id == _ORG.id, _EVENT.action == "login.locked",
                   _EVENT.at >= bindparam("since")),
)
# By name, else by alias: two plain statements, where one with an OR would not use the index.
_LOGIN_BY_NAME = _FACTS.where(_ORG.name_key == bindparam("key"))
_LOGIN_BY_ALIAS = _FACTS.where(_ORG.id == orgs.ALIAS_OWNER)


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
    since = now - timedelta(minutes=settings.lockout_minutes)
    key = name_key(org_name) if org_name else ""
    params = {"key": key, "email": sender or "", "since": since}
    found = None
    for statement in (_LOGIN_BY_NAME, _LOGIN_BY_ALIAS) if key else ():
        found = session.exec(statement, params=params).first()  # type: ignore[call-overload]
        if found is not None:
            break
    claimed, secret_id, stored_hash, registered, locked = found or (None, None, None, 0, 0)
    if secret_id is None or not registered or not secret:
        if verified_before is None:
            passwords.burn_time(secret or "")
        else:
            attempt = f"{sender or ''}\0{org_name or ''}"
            verified_before.burn(attempt, secret or "", ahead=ahead)
        return Login(None, claimed)
    if verified_before is not None and claimed.id is not None:
        verified = verified_before.verify(claimed.id, secret_id, stored_hash, secret, ahead=ahead)
    else:
        verified = passwords.verify(stored_hash, secret)
    if not verified or ahead or locked:
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


# Run for every refused login: built once with bound parameters, Core over the table.
_EVENTS_SINCE = select(func.count()).where(
    _EVENT.organisation_id == bindparam("org"), _EVENT.action == bindparam("action"),
    _EVENT.at >= bindparam("since"),
)


def _count(session: Session, org: Organisation, action: str, since: datetime) -> int:
    session.flush()  # a failure noted in this transaction counts
    params = {"org": org.id, "action": action, "since": since}
    return session.execute(_EVENTS_SINCE, params).scalar_one()
