"""Lockout and strangers: only guesses that could succeed lock an organisation; mail from
addresses registered nowhere is throttled per address and per domain instead."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlmodel import Session, select
from typer.testing import CliRunner

from mailbot.bot import Bot
from mailbot.cli import app
from mailbot.inbound.pipeline import run_pass
from mailbot.store.models import AuditEvent
from tests.stories import ADMIN, FIGURES, SEED_ANSWER, reply_from, submissions

UTRECHT = "huisverbod@utrecht.nl"
STRANGER = "boef@elders.nl"


def wrong_secret(sender: str, attempt: int) -> bytes:
    return reply_from(sender, secret=f"fout-{attempt}-fout-fout")


def test_a_stranger_naming_utrecht_cannot_lock_it_out(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    for attempt in range(5):
        imap_account.append(wrong_secret(STRANGER, attempt))
    run_pass(bot)
    assert not [m for m in smtp_sink.messages if m.rcpt_tos == [ADMIN]]  # no lock to tell
    smtp_sink.messages.clear()

    imap_account.append(reply_from(UTRECHT))  # Utrecht's own staff, the right secret
    run_pass(bot)

    [confirmed] = smtp_sink.wait_for(1)
    assert confirmed.rcpt_tos == [UTRECHT]
    assert "bevestiging" in confirmed.message["Subject"]
    assert len(submissions(bot)) == 1
    with Session(bot.engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert "login.locked" not in actions and "login.failed" not in actions


def test_a_registered_address_with_five_wrong_secrets_still_locks(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    for attempt in range(5):
        imap_account.append(wrong_secret(UTRECHT, attempt))
    run_pass(bot)
    smtp_sink.messages.clear()

    imap_account.append(reply_from(UTRECHT))
    run_pass(bot)

    [refused] = smtp_sink.wait_for(1)
    assert SEED_ANSWER in refused.message.get_content()
    assert submissions(bot) == []


def test_a_stranger_gets_three_answers_a_day_and_then_costs_no_secret_check(
    bot: Bot, imap_account: Any, smtp_sink: Any, argon2_runs: list[str]
) -> None:
    for attempt in range(3):
        imap_account.append(wrong_secret(STRANGER, attempt))
    run_pass(bot)
    assert [m.rcpt_tos for m in smtp_sink.messages] == [[STRANGER]] * 3
    assert len(argon2_runs) == 3  # each refusal costs what a wrong secret costs

    for attempt in range(3, 6):
        imap_account.append(wrong_secret(STRANGER, attempt))
    report = run_pass(bot)

    assert report.outcomes == {"rejected": 3} and report.sent == 0
    assert imap_account.uids() == [] and len(imap_account.uids("Geweigerd")) == 6  # filed
    assert len(argon2_runs) == 3  # the throttled ones spend no argon2


def test_strangers_of_one_domain_are_throttled_together_but_its_registered_staff_are_not(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    strict = dataclasses.replace(bot, settings=bot.settings.model_copy(
        update={"max_unknown_replies_per_domain_per_day": 3}))
    for number in range(5):  # five addresses, one mail each: under the per-address limit
        imap_account.append(wrong_secret(f"medewerker{number}@utrecht.nl", number))
    run_pass(strict)
    assert len(smtp_sink.messages) == 3
    smtp_sink.messages.clear()

    imap_account.append(reply_from(UTRECHT, secret="nog-steeds-fout"))
    imap_account.append(reply_from(UTRECHT))
    run_pass(strict)

    refused, confirmed = smtp_sink.wait_for(2)
    assert refused.rcpt_tos == confirmed.rcpt_tos == [UTRECHT]
    assert SEED_ANSWER in refused.message.get_content()
    assert "bevestiging" in confirmed.message["Subject"]


runner = CliRunner()


def test_status_shows_a_lock_and_the_admin_lifts_it(
    live_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    for attempt in range(5):
        imap_account.append(wrong_secret(UTRECHT, attempt))
    run_pass(live_bot)
    smtp_sink.messages.clear()

    status = runner.invoke(app, ["status"]).output
    assert "Geblokkeerde organisaties: 1" in status
    [line] = [line for line in status.splitlines() if line.startswith("  Utrecht")]
    assert "sinds" in line and "tot" in line
    assert "5 pogingen" in line and UTRECHT in line
    assert "mailbot org unlock Utrecht" in status

    lifted = runner.invoke(app, ["org", "unlock", "Utrecht"])
    assert lifted.exit_code == 0, lifted.output
    assert "Blokkade opgeheven: Utrecht" in lifted.output
    assert "Geblokkeerde organisaties: geen" in runner.invoke(app, ["status"]).output
    assert "login.unlocked" in runner.invoke(app, ["audit"]).output
    again = runner.invoke(app, ["org", "unlock", "Utrecht"])
    assert again.exit_code == 1 and "niet geblokkeerd" in again.output

    imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": 11}))
    run_pass(live_bot)
    [confirmed] = smtp_sink.wait_for(1)
    assert "bevestiging" in confirmed.message["Subject"]


def test_after_an_unlock_one_more_wrong_secret_does_not_lock_again(
    live_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    for attempt in range(5):
        imap_account.append(wrong_secret(UTRECHT, attempt))
    run_pass(live_bot)
    assert runner.invoke(app, ["org", "unlock", "Utrecht"]).exit_code == 0
    smtp_sink.messages.clear()

    imap_account.append(wrong_secret(UTRECHT, 6))  # the count starts afresh at the unlock
    imap_account.append(reply_from(UTRECHT))
    run_pass(live_bot)

    refused, confirmed = smtp_sink.wait_for(2)
    assert SEED_ANSWER in refused.message.get_content()
    assert "bevestiging" in confirmed.message["Subject"]
