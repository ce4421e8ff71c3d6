"""Nothing a stranger writes reaches the admin's terminal or the log raw: control characters
become visible escapes, and a delivery report records only valid addresses."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from mailbot.bot import Bot
from mailbot.cli import app, common
from mailbot.inbound.pipeline import run_pass
from mailbot.store import db, orgs, requests
from tests.mails import postfix_bounce, simple_mail

UTRECHT = "huisverbod@utrecht.nl"
TITLE = "\x1b]0;alles in orde\x07"  # sets the terminal's title; BEL ends it
RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")
runner = CliRunner()


def mailbot(*args: str) -> str:
    return runner.invoke(app, list(args)).output


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """The daemon's log set up as `mailbot run` does, into a buffer; restored afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    common.configure_logging(stream)
    yield stream
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_a_forged_delivery_report_cannot_steer_the_admins_terminal(
    live_bot: Bot, imap_account: Any
) -> None:
    forged = f"{TITLE}\x1b[2J@utrecht.nl"
    imap_account.deliver_lmtp(postfix_bounce([forged, UTRECHT]))
    run_pass(live_bot)

    status, audit = mailbot("status"), mailbot("audit")
    assert f"Onbestelbare adressen (7 dagen): {UTRECHT}\n" in status
    assert UTRECHT in audit and "alles in orde" not in audit  # not an address: not recorded
    for output in (status, audit):
        assert not any(control in output for control in RAW_CONTROLS), output


def test_rows_written_before_this_release_are_shown_escaped(live_bot: Bot) -> None:
    # An older mailbot recorded a forged report's recipient and a name as they came.
    with db.session_scope(live_bot.engine) as session:
        orgs.audit(session, live_bot.clock.now(), "mailbot", "bounce", None,
                   f"{TITLE}\u202elpd.exe@elders.nl")
        requests.open_request(session, live_bot.clock.now(), "account", "jan@elders.nl",
                              claimed_org=f"Utrecht{TITLE}", org=None,
                              person_name="Jan\x9b2J\nAANDACHT: niets", inbound_id=None)

    status, audit, listed = mailbot("status"), mailbot("audit"), mailbot("request", "list")
    assert "\\x1b]0;alles in orde\\x07\\u202elpd.exe@elders.nl" in status
    assert "\\x1b]0;alles in orde\\x07\\u202elpd.exe@elders.nl" in audit
    assert "Utrecht\\x1b]0;alles in orde\\x07  Jan\\x9b2J\\x0aAANDACHT: niets" in listed
    for output in (status, audit, listed):
        assert not any(control in output for control in RAW_CONTROLS), output
    assert not any(line.startswith("AANDACHT: niets") for line in listed.splitlines())


def test_a_log_line_shows_control_characters_from_a_mail_as_escapes(
    bot: Bot, imap_account: Any, log_stream: io.StringIO
) -> None:
    # UTF-8 in the header as an SMTPUTF8 client writes it (RFC 6532); the reader takes this as
    # the sender's address, since it holds no space and no C0 control.
    raw = simple_mail("Jan <jan@elders.nl>", "HELP")
    imap_account.append(raw.replace(b"<jan@", "<\u202ejan\x9b2J@".encode(), 1))
    run_pass(bot)

    logged = log_stream.getvalue()
    [handled] = [line for line in logged.splitlines() if " handled inbound=" in line]
    assert "sender=\\u202ejan\\x9b2J@elders.nl " in handled
    assert not any(control in logged for control in RAW_CONTROLS), logged


def test_a_traceback_keeps_its_lines_but_not_the_controls_in_them(
    log_stream: io.StringIO,
) -> None:
    try:
        raise ValueError(f"kapot{TITLE}")
    except ValueError:
        logging.getLogger("mailbot.inbound.steps").exception("quarantined inbound=%s", f"7{TITLE}")

    lines = log_stream.getvalue().splitlines()
    assert lines[0].endswith("quarantined inbound=7\\x1b]0;alles in orde\\x07")
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "ValueError: kapot\\x1b]0;alles in orde\\x07"
