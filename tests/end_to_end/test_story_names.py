"""Names as people write them: with a word for their kind around them, the names people use
for their municipality, and a registered sender who writes another name."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from mailbot.admin import importer
from mailbot.bot import Bot
from mailbot.inbound.pipeline import run_pass
from mailbot.reports.reference import data_dir
from mailbot.store import db, orgs
from mailbot.store.models import AuditEvent, Lockout
from tests.stories import SECRET, SEED_ANSWER, reply_from, submissions

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


def _refusal(bot: Bot, imap_account: Any, smtp_sink: Any, sender: str, org: str,
             secret: str) -> str:
    """The answer to one mail that does not log in."""
    imap_account.append(reply_from(sender, org=org, secret=secret))
    assert run_pass(bot).outcomes == {"rejected": 1}
    sent = smtp_sink.wait_for(len(smtp_sink.messages) or 1)[-1]
    assert sent.rcpt_tos == [sender]
    return str(sent.message.get_content())


def test_a_registered_sender_writing_another_name_is_told_its_own_whatever_the_secret(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    right = _refusal(bot, imap_account, smtp_sink, UTRECHT, "Zeist", SECRET)
    wrong = _refusal(bot, imap_account, smtp_sink, UTRECHT, "Zeist", "fout-fout-fout-fout")
    unknown = _refusal(bot, imap_account, smtp_sink, UTRECHT, "Nergenshuizen", SECRET)

    assert right == wrong == unknown  # nothing says whether the secret was right
    assert right.startswith(f"Geachte J. de Vries,\n\n{SEED_ANSWER}\n\n"
                            "Uw e-mailadres is bij ons geregistreerd voor deze organisatie. "
                            "Schrijf de naam zo in het formulier:\n\n  Gemeente: Utrecht\n")
    assert "12" not in right  # no figure
    assert submissions(bot) == []
    with Session(bot.engine) as session:
        assert session.exec(select(Lockout)).all() == []


def test_the_name_is_told_only_to_a_registered_address_that_named_another(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    own = _refusal(bot, imap_account, smtp_sink, UTRECHT, "Utrecht", "fout-fout-fout-fout")
    stranger = _refusal(bot, imap_account, smtp_sink, "iemand@elders.nl", "Zeist", SECRET)

    for body in (own, stranger):
        assert SEED_ANSWER in body
        assert "geregistreerd voor" not in body and "Gemeente: Utrecht" not in body
