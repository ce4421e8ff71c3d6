"""Names as people write them: with a word for their kind around them, the names people use
for their municipality, and a registered sender who writes another name."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from mailbot import db, importer, orgs
from mailbot.models import AuditEvent
from mailbot.pipeline import Bot, run_pass
from mailbot.reports.reference import data_dir
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


def test_den_haag_is_accepted_after_the_import(bot: Bot, imap_account: Any, smtp_sink: Any) -> None:
    now = bot.clock.now()
    rows = importer.read((data_dir() / "gemeenten_2025.csv").read_text(encoding="utf-8"))
    with db.session_scope(bot.engine) as session:
        importer.apply(session, now, rows)
        orgs.add_address(session, now, "'s-Gravenhage", "huiselijkgeweld@denhaag.nl")
        orgs.set_secret(session, now, "'s-Gravenhage", "haag-haag-haag-haag")
    imap_account.append(reply_from("huiselijkgeweld@denhaag.nl", org="Den Haag",
                                   secret="haag-haag-haag-haag"))

    assert run_pass(bot).outcomes == {"processed": 1}

    [confirmation] = smtp_sink.wait_for(1)
    assert "bevestiging 's-Gravenhage 2026-H1" in confirmation.message["Subject"]
