"""A reply finds its round by In-Reply-To or References; lateness is counted in Dutch days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from mailbot import rounds
from mailbot.config import Settings
from mailbot.reader.message import read
from mailbot.store import db, orgs
from mailbot.store.models import Round, RoundMail
from tests.mails import simple_mail

OPENED = datetime(2026, 7, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    """A database with the 2026-H1 round open and one invitation sent in it."""
    engine = db.make_engine(database_url)
    db.init(engine)
    with db.session_scope(engine) as opened:
        utrecht = orgs.add(opened, OPENED, "Utrecht", "gemeente")
        opened.add(Round(period="2026-H1", opened_at=OPENED, deadline=date(2026, 8, 12),
                         opened_by="mailbot"))
        opened.flush()
        opened.add(RoundMail(period="2026-H1", organisation_id=utrecht.id, kind="invitation",
                             recipient="a@utrecht.nl", message_id="invitation.0.abc@bot.test",
                             created_at=OPENED))
    with Session(engine) as fresh:
        yield fresh
    engine.dispose()


@pytest.mark.parametrize(("headers", "period"), [
    ({"In_Reply_To": "<invitation.0.abc@bot.test>"}, "2026-H1"),
    # A reply to the confirmation of a reply to the invitation: References holds the thread.
    ({"In_Reply_To": "<confirmation.0.def@bot.test>",
      "References": "<invitation.0.abc@bot.test> <x@utrecht.nl> <confirmation.0.def@bot.test>"},
     "2026-H1"),
    ({"In_Reply_To": "<someone.else@utrecht.nl>"}, None),
    ({}, None),
], ids=["in-reply-to", "references", "unknown", "new-mail"])
def test_a_reply_finds_the_period_of_the_round_mail_it_answers(
    session: Session, headers: dict[str, str], period: str | None
) -> None:
    mail = read(simple_mail("a@utrecht.nl", "Re: cijfers", "1. 12", **headers))

    found = rounds.period_replied_to(session, mail)

    assert (str(found) if found else None) == period


def test_late_means_after_the_deadline_day_in_the_netherlands(session: Session) -> None:
    def late(period: str, *moment: int) -> bool:
        return rounds.is_late(session, Settings(), period, datetime(*moment, tzinfo=UTC))

    assert not late("2026-H1", 2026, 8, 12, 21, 59)  # 23:59 on the deadline day, Amsterdam
    assert late("2026-H1", 2026, 8, 12, 22, 0)
    assert not late("2025-H2", 2026, 12, 1)  # no round was opened for it: nothing is late
