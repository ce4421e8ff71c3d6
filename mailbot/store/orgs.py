"""Organisations, their aliases, registered addresses and secrets: what the admin manages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BindParameter, bindparam, union_all
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from mailbot.forms import KINDS
from mailbot.login import passwords
from mailbot.login.addresses import normalise
from mailbot.store.db import table
from mailbot.store.models import Address, Alias, AuditEvent, Organisation, Secret, stored_id
from mailbot.store.names import name_key, spellings


class AdminError(ValueError):
    """An admin command that cannot be carried out; the message says why (in Dutch)."""


@dataclass(frozen=True)
class OrgSummary:
    """One line of `org list`."""

    name: str
    kind: str
    code: str | None
    region: str | None
    aliases: tuple[str, ...]
    addresses: tuple[str, ...]
    has_secret: bool


# The lookups of every mail, built once (see mailbot.store.db for why).
_ORG_BY_KEY = select(Organisation).where(col(Organisation.name_key) == bindparam("key"))
# The organisation an alias (its name key bound as `key`) stands for.
ALIAS_OWNER = (core_select(table(Alias).c.organisation_id)
               .where(table(Alias).c.name_key == bindparam("key")).scalar_subquery())
_ORG_BY_ALIAS = select(Organisation).where(col(Organisation.id) == ALIAS_OWNER)
_CURRENT_SECRET = (
    select(Secret)
    .where(col(Secret.organisation_id) == bindparam("org"), col(Secret.revoked_at).is_(None))
    .order_by(col(Secret.id).desc())
    .limit(1)
)
_ACTING_FOR = (
    select(Organisation)
    .join(Address, col(Address.organisation_id) == col(Organisation.id))
    .where(col(Address.email) == bindparam("email"))
    .order_by(col(Organisation.name))
)


def find(session: Session, name: str) -> Organisation | None:
    """The organisation a person means by this name or alias (see names.name_key), however
    it is qualified (`Utrecht (gemeente)`, `Eenheid Midden-Nederland`: see `find_qualified`)."""
    key = name_key(name)
    if not key:
        return None
    org = session.exec(_ORG_BY_KEY, params={"key": key}).first()
    if org is not None:
        return org
    org = session.exec(_ORG_BY_ALIAS, params={"key": key}).first()
    return org if org is not None else find_qualified(session, name)


# Organisations and alias owners whose key is one of `keys`: one statement, both indexes.
_KEYS: BindParameter[str] = bindparam("keys", expanding=True)
_ORG_TABLE, _ALIAS_TABLE = table(Organisation).c, table(Alias).c
_BY_KEYS = union_all(
    core_select(_ORG_TABLE.id, _ORG_TABLE.kind, _ORG_TABLE.name_key)
    .where(_ORG_TABLE.name_key.in_(_KEYS)),
    core_select(_ORG_TABLE.id, _ORG_TABLE.kind, _ALIAS_TABLE.name_key)
    .where(_ALIAS_TABLE.organisation_id == _ORG_TABLE.id, _ALIAS_TABLE.name_key.in_(_KEYS)),
)


def find_qualified(session: Session, name: str) -> Organisation | None:
    """The one organisation this name means once the words that only say its kind are set
    aside, on either side (names.spellings): `Gemeente: Utrecht (gemeente)` is Utrecht and
    `Eenheid Amsterdam` the police unit registered as `Politie Amsterdam`, never the
    municipality. None when no organisation or more than one fits."""
    found = qualified_id(session, name)
    return session.get(Organisation, found) if found is not None else None


def qualified_id(session: Session, name: str) -> int | None:
    """The id of the organisation `find_qualified` finds, in one statement."""
    kinds = dict(reversed(spellings(name)))  # key -> kind; the name as written counts first
    if not kinds:
        return None
    rows = session.execute(_BY_KEYS, {"keys": list(kinds)}).all()
    fitting = {org_id for org_id, kind, key in rows if kinds[key] in (None, kind)}
    return next(iter(fitting)) if len(fitting) == 1 else None


def require(session: Session, name: str) -> Organisation:
    """Like find, but an AdminError when nothing matches."""
    org = find(session, name)
    if org is None:
        raise AdminError(f"Onbekende organisatie: {name}")
    return org


def add(
    session: Session,
    now: datetime,
    name: str,
    kind: str,
    code: str | None = None,
    region: str | None = None,
    aliases: tuple[str, ...] = (),
) -> Organisation:
    """Register an organisation; refuses a name or alias that would match an existing one."""
    if kind not in KINDS:
        raise AdminError(f"Onbekende soort {kind!r}; kies uit {', '.join(KINDS)}")
    for label in (name, *aliases):
        if not name_key(label):
            raise AdminError(f"Lege naam: {label!r}")
        if find(session, label) is not None:
            raise AdminError(f"Naam is al in gebruik: {label}")
    org = Organisation(
        kind=kind, name=name.strip(), name_key=name_key(name), code=code, region=region,
        created_at=now,
    )
    session.add(org)
    session.flush()
    for alias in aliases:
        session.add(Alias(organisation_id=stored_id(org), name=alias.strip(),
                          name_key=name_key(alias)))
    audit(session, now, "admin", "org.add", org, f"{kind} {name}")
    return org


def add_alias(session: Session, now: datetime, org: Organisation, alias: str) -> bool:
    """Let staff write `alias` for `org`; False when it already stands for `org`. AdminError
    when it is empty or the name or alias of another organisation."""
    key = name_key(alias)
    if not key:
        raise AdminError(f"Lege naam: {alias!r}")
    owner = session.exec(_ORG_BY_KEY, params={"key": key}).first() or session.exec(
        _ORG_BY_ALIAS, params={"key": key}).first()
    if owner is not None and owner.id == org.id:
        return False
    if owner is not None:
        raise AdminError(f"Naam is al in gebruik: {alias} ({owner.name})")
    session.add(Alias(organisation_id=stored_id(org), name=alias.strip(), name_key=key))
    session.flush()
    audit(session, now, "admin", "alias.add", org, alias.strip())
    return True


def remove_alias(session: Session, now: datetime, org_name: str, alias: str) -> Alias:
    """Stop `alias` standing for the organisation; AdminError when it is not one of its
    aliases (its own name cannot be removed)."""
    org = require(session, org_name)
    row = session.exec(select(Alias).where(Alias.organisation_id == org.id,
                                           Alias.name_key == name_key(alias))).first()
    if row is None:
        raise AdminError(f"{alias} is geen andere naam van {org.name}")
    session.delete(row)
    audit(session, now, "admin", "alias.remove", org, row.name)
    return row


def summaries(session: Session) -> list[OrgSummary]:
    """Every organisation with its aliases and addresses, by name."""
    result = []
    for org in session.exec(select(Organisation).order_by(Organisation.name)):
        aliases = session.exec(select(Alias.name).where(Alias.organisation_id == org.id)).all()
        result.append(
            OrgSummary(
                name=org.name, kind=org.kind, code=org.code, region=org.region,
                aliases=tuple(aliases), addresses=tuple(addresses_of(session, org)),
                has_secret=current_secret(session, org) is not None,
            )
        )
    return result


def addresses_of(session: Session, org: Organisation) -> list[str]:
    """The registered addresses of an organisation."""
    query = select(Address.email).where(Address.organisation_id == org.id).order_by(Address.email)
    return list(session.exec(query))


def add_address(session: Session, now: datetime, org_name: str, email: str) -> str:
    """Register an address for an organisation; returns it normalised. Idempotent."""
    org = require(session, org_name)
    address = normalise(email)
    if address not in addresses_of(session, org):
        session.add(Address(organisation_id=stored_id(org), email=address, created_at=now))
        audit(session, now, "admin", "address.add", org, address)
    return address


def remove_address(session: Session, now: datetime, org_name: str, email: str) -> str:
    """Unregister an address; AdminError when it was not registered."""
    org = require(session, org_name)
    address = normalise(email)
    row = session.exec(
        select(Address).where(Address.organisation_id == org.id, Address.email == address)
    ).first()
    if row is None:
        raise AdminError(f"{address} is niet geregistreerd bij {org.name}")
    session.delete(row)
    audit(session, now, "admin", "address.remove", org, address)
    return address


def acting_for(session: Session, address: str) -> list[Organisation]:
    """Every organisation this (normalised) address is registered to, by name."""
    return list(session.exec(_ACTING_FOR, params={"email": address}))


def current_secret(session: Session, org: Organisation) -> Secret | None:
    """The secret that counts now: the newest one not revoked."""
    return session.exec(_CURRENT_SECRET, params={"org": org.id}).first()


def set_secret(
    session: Session, now: datetime, org_name: str, secret: str | None = None
) -> tuple[Organisation, str]:
    """Give an organisation a new secret (generated when not given); the old one stops working."""
    org = require(session, org_name)
    new = secret if secret is not None else passwords.generate()
    if len(passwords.canonical(new)) < 8:
        raise AdminError("Een wachtwoord moet minstens 8 letters of cijfers hebben")
    for old in session.exec(
        select(Secret).where(Secret.organisation_id == org.id, col(Secret.revoked_at).is_(None))
    ):
        old.revoked_at = now
        session.add(old)
    session.add(Secret(organisation_id=stored_id(org), hash=passwords.hash_secret(new),
                       created_at=now))
    audit(session, now, "admin", "secret.set", org, "")
    return org, new


def audit(
    session: Session, now: datetime, actor: str, action: str,
    org: Organisation | None, detail: str,
) -> None:
    """Record an action for `mailbot audit`; never pass a secret in detail."""
    session.add(
        AuditEvent(at=now, actor=actor, action=action,
                   organisation_id=org.id if org else None, detail=detail)
    )


def audit_trail(
    session: Session, since: datetime | None = None
) -> list[tuple[AuditEvent, str | None]]:
    """Recorded events, oldest first, with the organisation's name."""
    query = (
        select(AuditEvent, Organisation.name)
        .join(Organisation, col(Organisation.id) == col(AuditEvent.organisation_id), isouter=True)
        .order_by(col(AuditEvent.id))
    )
    if since is not None:
        query = query.where(col(AuditEvent.at) >= since)
    return [(event, name) for event, name in session.exec(query)]
