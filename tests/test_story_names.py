"""Names as people write them: with a word for their kind around them, the names people use
for their municipality, and a registered sender who writes another name."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from mailbot.models import AuditEvent
from mailbot.pipeline import Bot, run_pass
from tests.stories import reply_from, submissions

UTRECHT = "huisverbod@utrecht.nl"


def test_a_name_with_its_kind_written_around_it_is_stored_and_counts_no_wrong_login(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    for written in ("Utrecht (gemeente)", "gem. Utrecht", "Gemeente Utrecht (gemeente)"):
        imap_account.append(reply_from(UTRECHT, org=written))

    assert run_pass(bot).outcomes == {"processed": 3}

    assert [s.revision for s in submissions(bot)] == [1, 2, 3]
    assert all("bevestiging Utrecht 2026-H1" in m.message["Subject"]
               for m in smtp_sink.wait_for(3))
    with Session(bot.engine) as session:
        actions = {e.action for e in session.exec(select(AuditEvent))}
    assert "login.failed" not in actions
