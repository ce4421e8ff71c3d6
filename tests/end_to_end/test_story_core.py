"""The core loop end to end: Dovecot in, the SMTP sink out, the database in between."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from mailbot.bot import Bot
from mailbot.inbound.pipeline import run_pass
from mailbot.reports.export import export_csv
from mailbot.store.models import Answer, Inbound, Reply
from tests.stories import FIGURES, SECRET, SEED_ANSWER, reply_from, submissions


def test_story_gemeente_replies_and_gets_confirmation(bot: Bot, imap_account: Any,
                                                      smtp_sink: Any) -> None:
    imap_account.append(reply_from("huisverbod@utrecht.nl"))

    report = run_pass(bot)

    assert report.outcomes == {"processed": 1}
    [stored] = submissions(bot)
    assert (stored.period, stored.revision, stored.form_kind) == ("2026-H1", 1, "gemeente")
    with Session(bot.engine) as session:
        answers = {a.question: a.value for a in session.exec(select(Answer))}
    assert answers == FIGURES
    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == ["huisverbod@utrecht.nl"]
    assert "bevestiging Utrecht 2026-H1" in sent.message["Subject"]
    assert sent.message["Auto-Submitted"] == "auto-replied"
    body = sent.message.get_content()
    assert "vraag 1       12   Aantal opgelegde huisverboden" in body
    assert "vraag 7c       9   Aantal gestarte hulpverleningstrajecten voor kind(eren)" in body
    assert SECRET not in body and SECRET not in sent.raw.decode()
    assert imap_account.uids("INBOX") == []
    assert len(imap_account.uids("Verwerkt")) == 1


@pytest.mark.parametrize(
    ("sender", "org", "secret"),
    [
        ("huisverbod@utrecht.nl", "Utrecht", "fout-fout-fout-fout"),  # wrong secret
        ("onbekend@utrecht.nl", "Utrecht", SECRET),  # unregistered address
        ("wth@zeist.nl", "Utrecht", SECRET),  # a municipality that is not the sender's
        ("huisverbod@utrecht.nl", "Nergenshuizen", SECRET),  # unknown municipality
    ],
    ids=["wrong-secret", "unregistered-address", "other-municipality", "unknown-municipality"],
)
def test_wrong_login_gets_the_seed_answer_and_stores_nothing(
    bot: Bot, imap_account: Any, smtp_sink: Any, sender: str, org: str, secret: str
) -> None:
    imap_account.append(reply_from(sender, org, secret))

    assert run_pass(bot).outcomes == {"rejected": 1}

    assert submissions(bot) == []
    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == [sender]
    assert SEED_ANSWER in sent.message.get_content()
    assert "12" not in sent.message.get_content()
    assert imap_account.uids("INBOX") == []
    assert len(imap_account.uids("Geweigerd")) == 1


def test_a_second_pass_over_the_same_mail_changes_nothing(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    raw = reply_from("huisverbod@utrecht.nl")
    imap_account.append(raw)
    run_pass(bot)
    smtp_sink.wait_for(1)

    imap_account.append(raw)  # the same message again, e.g. a crash before MOVE
    report = run_pass(bot)
    run_pass(bot)

    assert report.sent == 0
    assert len(submissions(bot)) == 1
    with Session(bot.engine) as session:
        assert len(session.exec(select(Reply)).all()) == 1
        assert len(session.exec(select(Inbound)).all()) == 1
    assert len(smtp_sink.messages) == 1
    assert imap_account.uids("INBOX") == []


def test_a_correction_is_a_new_revision_and_the_confirmation_lists_the_change(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_from("huisverbod@utrecht.nl"))
    run_pass(bot)
    imap_account.append(reply_from("huisverbod@utrecht.nl", figures={**FIGURES, "1": 13}))
    run_pass(bot)

    assert [s.revision for s in submissions(bot)] == [1, 2]
    second = smtp_sink.wait_for(2)[1].message.get_content()
    assert "Dit is versie 2" in second
    assert "vraag 1 (Aantal opgelegde huisverboden): 12 wordt 13" in second
    with Session(bot.engine) as session:
        export = export_csv(session)
        history = export_csv(session, history=True)
    assert "2026-H1,Utrecht,gemeente,1,13\n" in export
    assert "2026-H1,Utrecht,gemeente,1,12" not in export
    assert len(export.splitlines()) == 1 + len(FIGURES)
    assert "2026-H1,Utrecht,gemeente,1,12,1," in history
    assert "2026-H1,Utrecht,gemeente,1,13,2," in history
