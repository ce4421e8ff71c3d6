"""Safety end to end: lockout, daily caps, header injection, reply headers, no secret at rest."""

from __future__ import annotations

import dataclasses
import email
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from mailbot.bot import Bot
from mailbot.inbound.pipeline import run_pass
from mailbot.login import passwords
from mailbot.store.models import AuditEvent, Inbound, Reply
from tests.mails import simple_mail
from tests.stories import ADMIN, FIGURES, SECRET, SEED_ANSWER, reply_from, submissions

UTRECHT = "huisverbod@utrecht.nl"


def test_five_wrong_secrets_lock_the_organisation_for_an_hour_and_tell_the_admins(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    for attempt in range(5):
        imap_account.append(reply_from(UTRECHT, secret=f"fout-{attempt}-fout-fout"))
    run_pass(bot)
    received = smtp_sink.wait_for(6)
    to_admin = [m for m in received if m.rcpt_tos == [ADMIN]]
    assert len(to_admin) == 1 and "geblokkeerd" in to_admin[0].message["Subject"]
    smtp_sink.messages.clear()

    imap_account.append(reply_from(UTRECHT))  # the right secret, but locked
    run_pass(bot)
    [refused] = smtp_sink.wait_for(1)
    assert SEED_ANSWER in refused.message.get_content()
    assert submissions(bot) == []
    smtp_sink.messages.clear()

    bot.clock.advance(minutes=61)  # type: ignore[attr-defined]
    imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": 11}))
    run_pass(bot)
    [confirmed] = smtp_sink.wait_for(1)
    assert "bevestiging" in confirmed.message["Subject"]
    with Session(bot.engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert actions.count("login.locked") == 1 and actions.count("login.failed") == 6


def test_an_unknown_address_gets_the_login_answer_three_times_a_day(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    for _ in range(5):
        imap_account.append(reply_from("vreemde@elders.nl"))
    report = run_pass(bot)
    assert report.outcomes == {"rejected": 5}
    received = smtp_sink.wait_for(3)
    assert len([m for m in received if m.rcpt_tos == ["vreemde@elders.nl"]]) == 3


def test_every_reply_threads_and_says_it_is_automatic(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    raw = reply_from(UTRECHT)
    imap_account.append(raw)
    run_pass(bot)
    [sent] = smtp_sink.wait_for(1)
    with Session(bot.engine) as session:
        inbound = session.exec(select(Inbound)).one()
    assert sent.message["Auto-Submitted"] == "auto-replied"
    assert sent.message["In-Reply-To"] == f"<{inbound.message_id}>"
    assert sent.message["References"] == f"<{inbound.message_id}>"
    assert sent.message["Message-ID"].endswith("@huisverbod.test>")


@pytest.mark.parametrize(
    "subject",
    ["=?utf-8?q?HELP=0D=0ABcc=3A_boef=40elders=2Enl?=",
     "=?utf-8?b?SEVMUA0KQmNjOiBib2VmQGVsZGVycy5ubA==?="],
    ids=["quoted-printable", "base64"],
)
def test_no_header_can_be_injected_through_the_subject(
    bot: Bot, imap_account: Any, smtp_sink: Any, subject: str
) -> None:
    raw = simple_mail(UTRECHT, "placeholder").replace(b"Subject: placeholder",
                                                      f"Subject: {subject}".encode())
    imap_account.append(raw)
    run_pass(bot)
    # No form, no command: handed on to the admins (the subject in theirs), the sender told.
    sent = smtp_sink.wait_for(2)
    assert sorted(m.rcpt_tos[0] for m in sent) == sorted([UTRECHT, ADMIN])
    for message in sent:
        assert message.message["Bcc"] is None
        assert b"\nBcc:" not in message.raw.replace(b"\r\n", b"\n")


def test_a_display_name_with_line_breaks_cannot_add_recipients(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    raw = simple_mail(UTRECHT, "HELP").replace(
        f"From: {UTRECHT}".encode(),
        b"From: =?utf-8?q?Jan=0D=0ABcc=3A_boef=40elders=2Enl?= <" + UTRECHT.encode() + b">",
    )
    imap_account.append(raw)
    run_pass(bot)
    [sent] = smtp_sink.wait_for(1)
    assert sent.rcpt_tos == [UTRECHT]
    assert b"boef@elders.nl" not in sent.raw


def test_no_secret_in_plain_text_in_the_database_or_the_log(
    bot: Bot, imap_account: Any, smtp_sink: Any, caplog: pytest.LogCaptureFixture
) -> None:
    if not bot.settings.database_url.startswith("sqlite"):
        pytest.skip("reads the SQLite file itself")
    caplog.set_level(logging.INFO)  # what the daemon logs; "mail.log" is the test's own sink
    imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": 7919}))
    imap_account.append(simple_mail(UTRECHT, "WACHTWOORD"))
    run_pass(bot)
    smtp_sink.wait_for(2)  # the confirmation, and the request's acknowledgement
    from mailbot.store import db, orgs, requests

    with db.session_scope(bot.engine) as session:
        org = orgs.require(session, "Utrecht")
        requests.send_new_secret(session, bot.settings, bot.renderer, bot.clock.now(), org, "t")
    run_pass(bot)
    new_secret = next(
        line.strip() for m in smtp_sink.wait_for(3) for line in m.message.get_content().splitlines()
        if line.startswith("    ") and line.count("-") == 3
    )
    bot.engine.dispose()
    db_file = Path(bot.settings.database_url.removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name != "mail.log")
    # Neither the secret typed in the submission (masked in the archived mail once read) nor
    # the new secret mailed out (wiped from the outbox once sent) is anywhere in plain text.
    for secret in (SECRET, new_secret, passwords.canonical(new_secret)):
        assert secret.encode() not in stored
        assert secret not in logged
    assert SECRET not in logged
    assert "7919" not in logged  # nor a figure


OUR_HOST = "mx.huisverbod.test"


def _arrived(border: str | None, forged: str | None) -> bytes:
    """A reply as it reaches the mailbox: the forger's own headers first in what it sent, the
    border host's Authentication-Results and Received prepended on the way in."""
    raw = reply_from(UTRECHT)
    if forged is not None:
        raw = f"Authentication-Results: {forged}\r\n".encode() + raw
    received = ("Received: from mail.example.net (mail.example.net [192.0.2.7])\r\n"
                f"\tby {OUR_HOST} (Postfix) with ESMTPS id 4Xk2;\r\n"
                "\tMon, 6 Jul 2026 11:30:02 +0200\r\n")
    if border is not None:
        received = f"Authentication-Results: {border}\r\n{received}"
    return received.encode() + raw


@pytest.mark.parametrize(
    ("border", "forged", "stored"),
    [
        (f"{OUR_HOST};\r\n\tdkim=pass header.d=utrecht.nl;\r\n\tdmarc=pass header.from=utrecht.nl",
         None, True),
        (f"{OUR_HOST}; dmarc=fail header.from=utrecht.nl", None, False),
        (None, "evil.example; dmarc=pass header.from=utrecht.nl", False),
        (None, None, False),
        (None, "=?utf-8?q?mx=2Ehuisverbod=2Etest?=; dmarc=pass header.from=utrecht.nl", False),
        (f"{OUR_HOST}; spf=pass smtp.mailfrom=utrecht.nl; dmarc=pass", None, False),
        (f"{OUR_HOST}; dmarc=fail (p=reject) header.from=utrecht.nl",
         f"{OUR_HOST}; dmarc=pass header.from=utrecht.nl", False),
    ],
    ids=["trusted-pass", "trusted-fail", "untrusted-pass", "no-header", "encoded-authserv-id",
         "pass-without-header-from", "forged-pass-under-our-fail"],
)
def test_dmarc_policy_trusts_only_our_border_host(
    bot: Bot, imap_account: Any, smtp_sink: Any, border: str | None, forged: str | None,
    stored: bool,
) -> None:
    strict = dataclasses.replace(bot, settings=bot.settings.model_copy(
        update={"require_dmarc": True, "authserv_id": OUR_HOST}))
    imap_account.append(_arrived(border, forged))
    run_pass(strict)
    [sent] = smtp_sink.wait_for(1)
    assert (len(submissions(bot)) == 1) is stored
    assert ("bevestiging" in sent.message["Subject"]) is stored
    if not stored:
        assert SEED_ANSWER in sent.message.get_content()


def _with_message_id(raw: bytes, message_id: str) -> bytes:
    """The mail as a forger's script sends it: its own content under someone else's id."""
    return re.sub(rb"Message-ID: [^\r\n]*", f"Message-ID: {message_id}".encode(), raw, count=1)


def test_a_forged_mail_with_a_real_mails_message_id_is_a_message_of_its_own(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    real = reply_from(UTRECHT)
    message_id = email.message_from_bytes(real)["Message-ID"]
    # The forger's mail takes the Message-ID first: the real mail is not taken for its copy.
    imap_account.append(_with_message_id(simple_mail(UTRECHT, "HELP"), message_id))
    imap_account.append(real)
    assert run_pass(bot).outcomes == {"processed": 2}

    assert len(submissions(bot)) == 1
    with Session(bot.engine) as session:
        assert sorted(reply.kind for reply in session.exec(select(Reply))) == [
            "confirmation", "help"]

    # And the other way round: a forged submission under the stored one's id is read too.
    wrong = reply_from(UTRECHT, secret="fout-fout-fout-fout")
    imap_account.append(_with_message_id(wrong, message_id))
    assert run_pass(bot).outcomes == {"rejected": 1}
    with Session(bot.engine) as session:
        assert len(session.exec(select(Inbound)).all()) == 3
