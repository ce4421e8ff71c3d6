"""What a reply to a round mail inherits from its round: the period, and whether it is late."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from mailbot.config import Settings
from mailbot.mail.message import MailView
from mailbot.models import Round, RoundMail
from mailbot.periods import Period
from mailbot.rounds.timeline import is_after


def period_replied_to(session: Session, mail: MailView) -> Period | None:
    """The period of the invitation or reminder this mail replies to, if it replies to one.

    In-Reply-To counts first, then References from the newest to the oldest.
    """
    ids = [i for i in (mail.in_reply_to, *reversed(mail.references)) if i]
    if not ids:
        return None
    rows = session.exec(
        select(RoundMail.message_id, RoundMail.period).where(col(RoundMail.message_id).in_(ids))
    ).all()
    found = dict(rows)
    for message_id in ids:
        if message_id in found:
            return Period.parse(found[message_id])
    return None


def is_late(session: Session, settings: Settings, period: str, received: datetime) -> bool:
    """True when the period's round is open and the mail came in after its deadline day."""
    round_ = session.get(Round, period)
    return round_ is not None and is_after(settings, round_.deadline, received)
