"""What a reply to a round mail inherits from its round: the period, and whether it is late."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlmodel import Session

from mailbot.config import Settings
from mailbot.dates.periods import Period
from mailbot.reader.message import MailView
from mailbot.rounds.timeline import is_after
from mailbot.store.db import table
from mailbot.store.deadlines import Deadlines
from mailbot.store.models import RoundMail

# Prebuilt Core, as every mail runs these: see mailbot.store.db.
_ROUND_MAIL = table(RoundMail).c
_PERIODS_OF_MAILS = select(_ROUND_MAIL.message_id, _ROUND_MAIL.period).where(
    _ROUND_MAIL.message_id.in_(bindparam("ids", expanding=True))
)


def period_replied_to(session: Session, mail: MailView) -> Period | None:
    """The period of the invitation or reminder this mail replies to, if it replies to one.

    In-Reply-To counts first, then References from the newest to the oldest.
    """
    ids = [i for i in (mail.in_reply_to, *reversed(mail.references)) if i]
    if not ids:
        return None
    found = dict(session.execute(_PERIODS_OF_MAILS, {"ids": ids}).all())
    for message_id in ids:
        if message_id in found:
            return Period.parse(found[message_id])
    return None


def is_late(
    session: Session, settings: Settings, period: str, received: datetime,
    deadlines: Deadlines | None = None,
) -> bool:
    """True when the period's round is open and the mail came in after its deadline day."""
    deadline = (deadlines or Deadlines()).of(session, period)
    return deadline is not None and is_after(settings, deadline, received)
