"""Who is writing? A registered sender address plus the organisation's secret.

Locks are set and lifted by mailbot.login.locks, and strangers throttled by mailbot.login.strangers;
a login only reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlmodel import Session

from mailbot.config import Settings
from mailbot.login import passwords, strangers
from mailbot.store import orgs
from mailbot.store.db import table
from mailbot.store.models import Address, Lockout, Organisation, Secret
from mailbot.store.names import name_key

# Everything a login needs in one prebuilt statement, two for an alias (see mailbot.store.db): the
# organisation by name or alias (as orgs.find), its current secret (orgs.current_secret),
# whether the sender's address is registered to it, and whether it is locked (locks.is_locked).
_ORG = table(Organisation).c
_SECRET = table(Secret).c
_ADDRESS = table(Address).c
_LOCK = table(Lockout).c


def _newest_secret(column: Any) -> Any:
    return (select(column)
            .where(_SECRET.organisation_id == _ORG.id, _SECRET.revoked_at.is_(None))
            .order_by(_SECRET.id.desc()).limit(1).scalar_subquery())


_FACTS = select(
    Organisation,
    _newest_secret(_SECRET.id),
    _newest_secret(_SECRET.hash),
    exists().where(_ADDRESS.organisation_id == _ORG.id, _ADDRESS.email == bindparam("email")),
    exists().where(_LOCK.organisation_id == _ORG.id, _LOCK.lifted_at.is_(None),
                   _LOCK.until > bindparam("now")),
)
# By name, else by alias: two plain statements, where one with an OR would not use the index.
_LOGIN_BY_NAME = _FACTS.where(_ORG.name_key == bindparam("key"))
_LOGIN_BY_ALIAS = _FACTS.where(_ORG.id == orgs.ALIAS_OWNER)
# A name written with a word that only says its kind ("Utrecht (gemeente)"): found by
# orgs.find_qualified first, rarely needed.
_LOGIN_BY_ID = _FACTS.where(_ORG.id == bindparam("org"))


@dataclass(frozen=True)
class Login:
    """The result of a login: `org` when everything matched; `claimed` is who was named.

    `guess`: a secret from an address registered for `claimed` that did not open it, the only
    failure that counts toward a lockout. `sender`: what a refusal may do for the sender
    (a stranger past its limits gets no answer).
    """

    org: Organisation | None
    claimed: Organisation | None
    guess: bool = False
    sender: strangers.Standing = strangers.REGISTERED


def authenticate(
    session: Session, settings: Settings, now: datetime,
    sender: str | None, org_name: str | None, secret: str | None,
    verified_before: passwords.VerifiedSecrets | None = None, *, ahead: bool = False,
) -> Login:
    """Check sender, name and secret; every answered failure looks and costs the same.

    A sender not registered for the named organisation can never log in; a stranger past its
    limits (mailbot.login.strangers) gets no answer, so nothing is spent on it either. `ahead` is
    the read-ahead thread checking a mail before its turn (mailbot.inbound.ahead): it only fills
    `verified_before`, whose answers the mail's own turn then uses.
    """
    claimed, secret_id, stored_hash, registered, locked = _facts(session, now, sender, org_name)
    standing = strangers.REGISTERED
    if not registered:
        standing = strangers.standing(session, settings, now, sender or "")
        if standing.throttled:
            return Login(None, claimed, sender=standing)
    if claimed is None or secret_id is None or stored_hash is None or not (registered and secret):
        _burn(verified_before, sender, org_name, secret, ahead)
        return Login(None, claimed, sender=standing)
    if verified_before is not None and claimed.id is not None:
        verified = verified_before.verify(claimed.id, secret_id, stored_hash, secret, ahead=ahead)
    else:
        verified = passwords.verify(stored_hash, secret)
    if not verified or ahead or locked:
        return Login(None, claimed, guess=True)
    return Login(claimed, claimed)


def _facts(
    session: Session, now: datetime, sender: str | None, org_name: str | None
) -> tuple[Any, ...]:
    """The named organisation, its current secret's id and hash, whether the sender is
    registered for it and whether it is locked; Nones and zeros when no organisation fits."""
    key = name_key(org_name) if org_name else ""
    params: dict[str, Any] = {"key": key, "email": sender or "", "now": now}
    for statement in (_LOGIN_BY_NAME, _LOGIN_BY_ALIAS) if key else ():
        found = session.execute(statement, params).first()
        if found is not None:
            return tuple(found)
    org_id = orgs.qualified_id(session, org_name) if key and org_name else None
    if org_id is not None:
        found = session.execute(_LOGIN_BY_ID, {**params, "org": org_id}).first()
        if found is not None:
            return tuple(found)
    return (None, None, None, 0, 0)


def _burn(
    verified_before: passwords.VerifiedSecrets | None, sender: str | None,
    org_name: str | None, secret: str | None, ahead: bool,
) -> None:
    """Spend what checking a secret costs, for a login that cannot succeed."""
    if verified_before is None:
        passwords.burn_time(secret or "")
    else:
        attempt = f"{sender or ''}\0{org_name or ''}"
        verified_before.burn(attempt, secret or "", ahead=ahead)
