"""An admin looks at what `mailbot status` warns about, dismisses it, and the monitor recovers;
the quarantined mail and the failed reply stay stored, and the dismissal is in the audit trail.
A new quarantined mail or failed reply sets the alarm off again.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from mailbot.bot import Bot
from mailbot.cli import app
from mailbot.inbound.archive import full_raw
from mailbot.inbound.pipeline import run_pass
from mailbot.store.models import AuditEvent, Inbound, Reply
from tests import brokenmail
from tests.stories import reply_from

UTRECHT = "huisverbod@utrecht.nl"
runner = CliRunner()


def mailbot(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def quarantine_one(bot: Bot, imap_account: Any, sender: str = "stranger@elders.nl") -> int:
    """A mail that takes longer to read than the reader may spend, in one pass: its id."""
    imap_account.append(brokenmail.slow(sender))
    run_pass(dataclasses.replace(
        bot, settings=bot.settings.model_copy(update=brokenmail.SLOW_READING)))
    with Session(bot.engine) as session:
        rows = session.exec(select(Inbound).where(Inbound.outcome == "quarantined")).all()
    return max(row.id or 0 for row in rows)


def dismissals(bot: Bot) -> list[tuple[str, str, str]]:
    with Session(bot.engine) as session:
        events = session.exec(select(AuditEvent).where(col(AuditEvent.action).like("%.dismiss")))
        return [(e.actor, e.action, e.detail) for e in events]


def test_story_admin_dismisses_quarantined_mail_and_status_recovers(
    live_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    inbound_id = quarantine_one(live_bot, imap_account)
    assert mailbot("status")[0] == 1

    code, listed = mailbot("quarantine", "list")
    assert code == 0
    [line] = listed.splitlines()
    # The reader never got to the sender: the From header as written stands in for it.
    assert line.split()[0] == str(inbound_id)
    assert "stranger@elders.nl  Quarantaine  reading stopped after 1 s of CPU time" in line

    assert mailbot("quarantine", "dismiss", str(inbound_id)) == (0, f"Afgehandeld: {inbound_id}\n")

    code, output = mailbot("status")
    assert code == 0, output
    assert "In quarantaine: 0" in output and "AANDACHT" not in output
    assert mailbot("quarantine", "list") == (0, "Geen berichten in quarantaine.\n")
    code, everything = mailbot("quarantine", "list", "--all")
    assert everything.startswith(line)
    assert re.search(r"\(afgehandeld \d\d-\d\d-20\d\d \d\d:\d\d\)", everything)
    # Evidence stays: the row, its raw bytes, and the mail in the Quarantaine folder.
    with Session(live_bot.engine) as session:
        row = session.get(Inbound, inbound_id)
        assert row is not None and row.outcome == "quarantined" and row.dismissed_at is not None
        # As it came, but for its secret's line (masked) and a line naming the original.
        assert len(full_raw(session, row)) > row.size > 100_000 and row.redacted
    assert len(imap_account.uids("Quarantaine")) == 1
    assert dismissals(live_bot) == [("admin", "quarantine.dismiss", str(inbound_id))]
    assert "quarantine.dismiss" in mailbot("audit")[1]


def test_a_new_quarantined_mail_after_a_dismissal_sets_the_alarm_off_again(
    live_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    first = quarantine_one(live_bot, imap_account)
    mailbot("quarantine", "dismiss", "--all")
    assert mailbot("status")[0] == 0

    second = quarantine_one(live_bot, imap_account, sender="ander@elders.nl")

    code, output = mailbot("status")
    assert code == 1 and "AANDACHT: 1 bericht(en) in quarantaine" in output
    [line] = mailbot("quarantine", "list")[1].splitlines()
    assert line.split()[0] == str(second) != str(first)


def test_story_admin_dismisses_a_failed_reply_and_status_recovers(
    live_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    smtp_sink.fail_next(550, at="RCPT")
    imap_account.append(reply_from(UTRECHT))
    run_pass(live_bot)
    code, output = mailbot("status")
    assert code == 1 and "(mailbot outbox failed)" in output

    code, listed = mailbot("outbox", "failed")
    [line] = listed.splitlines()
    reply_id = int(line.split()[0])
    assert f"  {UTRECHT}  confirmation  550" in line

    assert mailbot("outbox", "dismiss", "--all") == (0, f"Afgehandeld: {reply_id}\n")

    assert mailbot("status")[0] == 0
    assert mailbot("outbox", "failed") == (0, "Geen mislukte antwoorden.\n")
    assert mailbot("outbox", "failed", "--all")[1].startswith(line)
    with Session(live_bot.engine) as session:
        reply = session.get(Reply, reply_id)
        assert reply is not None and reply.state == "failed" and reply.dismissed_at is not None
    assert dismissals(live_bot) == [("admin", "outbox.dismiss", str(reply_id))]


def test_dismissing_twice_says_so_and_audits_once(
    live_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    inbound_id = quarantine_one(live_bot, imap_account)
    mailbot("quarantine", "dismiss", str(inbound_id))

    assert mailbot("quarantine", "dismiss", str(inbound_id)) == (
        0, f"Al eerder afgehandeld: {inbound_id}\n")
    assert mailbot("quarantine", "dismiss", "--all") == (0, "Niets af te handelen.\n")
    assert len(dismissals(live_bot)) == 1


def test_an_id_that_is_not_quarantined_dismisses_nothing_and_exits_1(
    live_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    imap_account.append(reply_from(UTRECHT))  # processed, not quarantined
    quarantined = quarantine_one(live_bot, imap_account)
    with Session(live_bot.engine) as session:
        processed = session.exec(select(Inbound.id).where(Inbound.outcome == "processed")).one()

    result = runner.invoke(app, ["quarantine", "dismiss", str(quarantined), str(processed), "999"])

    assert result.exit_code == 1
    assert f"geen bericht in quarantaine met nummer {processed}, 999" in result.output
    assert mailbot("status")[0] == 1  # the good id was not dismissed either
    assert dismissals(live_bot) == []


@pytest.mark.parametrize("args", [["quarantine", "dismiss"], ["outbox", "dismiss", "3", "--all"]],
                         ids=["nothing", "both"])
def test_dismiss_needs_ids_or_all(
    live_bot: Bot, imap_account: Any, smtp_sink: Any, args: list[str]
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert "noem een of meer nummers, of --all" in result.output
