"""Mail from addresses registered nowhere. Such a sender can never log in, so its refused
logins never count toward a lockout (mailbot.login.locks). They are answered a few times a day per
address and per domain, so that a forged address gets little backscatter and a flood little of
our time; beyond that they get no answer and no secret check. The mail itself is archived and
filed as any other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, func, select
from sqlmodel import Session

from mailbot.config import Settings
from mailbot.store import orgs
from mailbot.store.db import table
from mailbot.store.models import Address, Organisation, Refusal


@dataclass(frozen=True)
class Standing:
    """What refusing a login may do for this sender."""

    registered: bool  # registered for some organisation: answered (within the daily caps)
    throttled: bool = False  # past a stranger's limits: no answer, no secret check


REGISTERED = Standing(registered=True)

_ADDRESS = table(Address).c
_REFUSAL = table(Refusal).c


def _refusals(column: Any, value: str) -> Any:
    """How many refusals since `since` have `column` equal to the bound `value`."""
    return (select(func.count())
            .where(column == bindparam(value), _REFUSAL.at > bindparam("since"))
            .scalar_subquery())


# Run for every refused login (never for one that succeeds): one statement, both indexes.
_STANDING = select(
    exists().where(_ADDRESS.email == bindparam("sender")),
    _refusals(_REFUSAL.sender, "sender"),
    _refusals(_REFUSAL.domain, "domain"),
)


def standing(session: Session, settings: Settings, now: datetime, sender: str) -> Standing:
    """Whether the (normalised) sender is registered anywhere and, if not, throttled."""
    params = {"sender": sender, "domain": domain_of(sender), "since": now - timedelta(days=1)}
    registered, by_address, by_domain = session.execute(_STANDING, params).one()
    if registered:
        return REGISTERED
    throttled = (by_address >= settings.max_unknown_replies_per_day
                 or by_domain >= settings.max_unknown_replies_per_domain_per_day)
    return Standing(registered=False, throttled=throttled)


def refused(
    session: Session, now: datetime, sender: str, claimed: Organisation | None = None
) -> None:
    """Record a refusal answered to a stranger: it counts toward the throttle, and `mailbot
    audit` shows it (never toward a lockout: `login.refused`, not `login.failed`)."""
    session.add(Refusal(at=now, sender=sender, domain=domain_of(sender)))
    orgs.audit(session, now, sender, "login.refused", claimed, "")


def domain_of(address: str) -> str:
    """The domain of a normalised address."""
    return address.rpartition("@")[2]
