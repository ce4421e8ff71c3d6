"""`mailbot status` as a monitor runs it, and the log an operator reads: exit code 1 exactly
when someone must act; one line per message, never a secret or a figure."""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import Any

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from mailbot.admin import health
from mailbot.bot import Bot
from mailbot.cli import app
from mailbot.inbound.pipeline import run_pass
from tests import brokenmail
from tests.stories import FIGURES, SECRET, reply_from

UTRECHT = "huisverbod@utrecht.nl"
runner = CliRunner()


def status() -> tuple[int, str]:
    result = runner.invoke(app, ["status"])
    return result.exit_code, result.output


def test_status_is_0_after_a_healthy_pass(live_bot: Bot, imap_account: Any,
                                          smtp_sink: Any) -> None:
    imap_account.append(reply_from(UTRECHT))
    run_pass(live_bot)
    smtp_sink.wait_for(1)

    code, output = status()

    assert code == 0, output
    assert "In quarantaine: 0" in output and "0 wachtend, 0 mislukt" in output
    assert "AANDACHT" not in output


def test_status_is_1_with_a_quarantined_message(live_bot: Bot, imap_account: Any,
                                                smtp_sink: Any) -> None:
    imap_account.append(brokenmail.slow())
    run_pass(dataclasses.replace(
        live_bot, settings=live_bot.settings.model_copy(update=brokenmail.SLOW_READING)))

    code, output = status()

    assert code == 1, output
    assert "In quarantaine: 1" in output and "AANDACHT: 1 bericht(en) in quarantaine" in output


def test_status_is_1_with_a_failed_reply(live_bot: Bot, imap_account: Any,
                                         smtp_sink: Any) -> None:
    smtp_sink.fail_next(550, at="RCPT")
    imap_account.append(reply_from(UTRECHT))
    run_pass(live_bot)

    code, output = status()

    assert code == 1, output
    assert "1 mislukt" in output and "konden niet worden afgeleverd" in output


def check(bot: Bot) -> health.Health:
    with Session(bot.engine) as session:
        return health.check(session, bot.settings, bot.clock.now())


def test_no_successful_pass_for_a_while_needs_an_operator(bot: Bot, imap_account: Any,
                                                          smtp_sink: Any) -> None:
    assert check(bot).needs_operator  # never read at all
    run_pass(bot)
    assert not check(bot).needs_operator

    bot.clock.advance(minutes=6)  # type: ignore[attr-defined]

    assert check(bot).problems == ("de inbox is recent niet met succes gelezen",)


def test_replies_waiting_for_an_hour_need_an_operator(bot: Bot, imap_account: Any,
                                                      smtp_sink: Any) -> None:
    smtp_sink.stop()
    imap_account.append(reply_from(UTRECHT))
    run_pass(bot)
    assert check(bot).outbox_pending == 1 and not check(bot).needs_operator

    bot.clock.advance(minutes=61)  # type: ignore[attr-defined]
    run_pass(bot)  # the inbox is read fine; the mail server is still away

    assert check(bot).problems == (
        "uitgaande post wacht al meer dan een uur (is de mailserver bereikbaar?)",)


HANDLED = re.compile(r"^handled inbound=\d+ message_id=(\S+) sender=(\S+) kind=(\S+) "
                     r"outcome=(\S+) ms=\d+$")


def test_one_log_line_per_message_without_secret_or_figures(
    bot: Bot, imap_account: Any, smtp_sink: Any, caplog: pytest.LogCaptureFixture
) -> None:
    figures = {**FIGURES, "1": 7919, "3": 104729}  # numbers that appear nowhere else
    imap_account.append(reply_from(UTRECHT, figures=figures))
    imap_account.append(reply_from(UTRECHT, secret="fout-fout-fout-fout", figures=figures))
    imap_account.append(brokenmail.slow(sender=UTRECHT))
    caplog.set_level(logging.DEBUG, logger="mailbot")

    run_pass(dataclasses.replace(
        bot, settings=bot.settings.model_copy(update=brokenmail.SLOW_READING)))

    ours = [r for r in caplog.records if r.name.startswith("mailbot")]
    lines = [HANDLED.match(r.getMessage()) for r in ours if r.getMessage().startswith("handled")]
    assert [(m.group(2), m.group(4)) for m in lines if m] == [
        (UTRECHT, "processed"), (UTRECHT, "rejected"), ("None", "quarantined")]
    everything = "\n".join(
        f"{r.getMessage()}\n{r.exc_text or ''}" for r in caplog.records if r.name != "mail.log")
    assert SECRET not in everything and "fout-fout" not in everything
    # Whole numbers only: a random Message-ID may contain these digits by chance.
    assert not re.search(r"\b(7919|104729)\b", everything)
    assert "Aantal opgelegde huisverboden" not in everything
