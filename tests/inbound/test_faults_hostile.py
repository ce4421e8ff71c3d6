"""Hostile and broken mail: each ends where it belongs, with its reason recorded; the pass
does not raise, and a valid submission behind them is stored and confirmed in the same pass.

Where the reader copes (it degrades instead of raising) the mail gets the answer any mail of
its kind gets; what it cannot read, or must not download, goes to `Quarantaine` unanswered.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session, col, select

from mailbot.bot import Bot
from mailbot.inbound.imap import Fetched
from mailbot.inbound.pipeline import run_pass
from mailbot.inbound.steps import process
from mailbot.store.models import Inbound, Reply
from tests import brokenmail
from tests.stories import SECRET, reply_from, submissions

LIMIT = 2_000_000  # MAILBOT_MAX_MESSAGE_BYTES for these tests: above the big cases but one


@dataclasses.dataclass(frozen=True)
class Case:
    build: Callable[[str], bytes]
    folder: str
    reason: str
    kind: str | None  # the kind the classifier gave, None when the mail was never read
    answer: str | None  # the reply it gets, None for none


CASES = {
    # Read what is there: a short note, no form, so the usual "no form" answer.
    "truncated-mime": Case(brokenmail.truncated_mime, "Geweigerd", "no form", "submission",
                           "no_form"),
    "endless-boundary": Case(brokenmail.endless_boundary, "Geweigerd", "no form", "submission",
                             "no_form"),
    # Nested past what the reader reads: its headers are read, the rest is left and said so.
    "nested-10000": Case(lambda sender: brokenmail.nested_multiparts(sender=sender),
                         "Geweigerd", "no form; unread beyond limits: depth", "submission",
                         "no_form"),
    "undecodable-charsets": Case(brokenmail.undecodable_charsets, "Geweigerd", "no form",
                                 "submission", "no_form"),
    # Lines shaped like answers make it a form; the sender is not registered.
    "long-body-50000": Case(lambda sender: brokenmail.long_body(sender=sender), "Geweigerd",
                            "login failed", "submission", "login_failed"),
    # Dovecot stores NUL as 0x80 (RFC 3501 forbids NUL in a literal); read, a form, a stranger.
    "nul-bytes": Case(brokenmail.nul_bytes, "Geweigerd", "login failed", "submission",
                      "login_failed"),
    # No headers: no sender, so no answer can go anywhere; no delivery report either.
    "headerless-blob": Case(lambda _sender: brokenmail.headerless_blob(), "Quarantaine",
                            "no usable sender address", "no_sender", None),
    "oversize": Case(lambda sender: brokenmail.oversize(LIMIT + 100_000, sender), "Quarantaine",
                     "too large", None, None),
}


@pytest.fixture
def strict_bot(bot: Bot) -> Bot:
    return dataclasses.replace(
        bot, settings=bot.settings.model_copy(update={"max_message_bytes": LIMIT}))


def test_hostile_mail_is_filed_with_its_reason_and_the_mail_behind_it_is_stored(
    strict_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    for name, case in CASES.items():
        imap_account.append(case.build(f"{name}@elders.nl"))
    imap_account.append(reply_from("huisverbod@utrecht.nl"))

    report = run_pass(strict_bot)

    assert report.outcomes == {"rejected": 6, "quarantined": 2, "processed": 1}
    assert len(submissions(strict_bot)) == 1
    with Session(strict_bot.engine) as session:
        rows = session.exec(select(Inbound).order_by(col(Inbound.uid))).all()
        answers = {r.inbound_id: r.kind for r in session.exec(select(Reply))}
    *hostile, valid = rows
    for (name, case), inbound in zip(CASES.items(), hostile, strict=True):
        seen = (inbound.target_folder, inbound.kind, answers.get(inbound.id))
        assert seen == (case.folder, case.kind, case.answer), name
        assert inbound.reason is not None and inbound.reason.startswith(case.reason), name
        assert inbound.state == "filed", name
    assert (valid.outcome, answers[valid.id]) == ("processed", "confirmation")
    received = smtp_sink.wait_for(7)
    assert sorted(m.rcpt_tos[0].split("@")[0] for m in received) == sorted(
        ["truncated-mime", "endless-boundary", "nested-10000", "undecodable-charsets",
         "long-body-50000", "nul-bytes", "huisverbod"])
    assert imap_account.uids("INBOX") == []
    assert len(imap_account.uids("Quarantaine")) == 2
    assert len(imap_account.uids("Geweigerd")) == 6
    assert len(imap_account.uids("Verwerkt")) == 1

    assert run_pass(strict_bot).handled == 0  # nothing comes back, nothing is retried


def fetched(raw: bytes, uid: int = 1) -> Fetched:
    return Fetched("INBOX", 1, uid, raw, len(raw))


@pytest.mark.parametrize(
    ("raw", "outcome", "kind", "answered"),
    [
        (brokenmail.nul_bytes("nul@elders.nl"), "rejected", "submission", True),
        (brokenmail.nul_bytes("n\0ul@elders.nl"), "quarantined", "no_sender", False),
    ],
    ids=["nul-in-headers-and-body", "nul-in-the-address"],
)
def test_real_nul_bytes_are_read_or_refused_never_crash_the_pass(
    db_bot: Bot, raw: bytes, outcome: str, kind: str, answered: bool
) -> None:
    # Dovecot will not hand over a NUL (it stores 0x80), other servers might: in process.
    assert b"\0" in raw
    inbound = process(db_bot, fetched(raw))

    assert inbound is not None
    assert (inbound.outcome, inbound.kind, inbound.state) == (outcome, kind, "handled")
    assert inbound.message_id == "nulid@elders.nl"  # no NUL in a database key
    with Session(db_bot.engine) as session:
        replies = session.exec(select(Reply)).all()
    assert len(replies) == (1 if answered else 0)
    assert process(db_bot, fetched(raw, uid=2)) is not None  # the same mail again: deduplicated
    with Session(db_bot.engine) as session:
        assert len(session.exec(select(Inbound)).all()) == 1


def test_two_different_oversize_messages_of_one_size_are_two_quarantined_rows(
    strict_bot: Bot, imap_account: Any
) -> None:
    first = brokenmail.oversize(LIMIT + 1000, "een@elders.nl")
    second = brokenmail.oversize(LIMIT + 1000, "twe@elders.nl")
    assert len(first) == len(second) and first != second
    imap_account.append(first)
    imap_account.append(second)

    run_pass(strict_bot)

    with Session(strict_bot.engine) as session:
        rows = session.exec(select(Inbound)).all()
    assert [(r.outcome, r.size) for r in rows] == [("quarantined", len(first))] * 2
    assert len(imap_account.uids("Quarantaine")) == 2


@pytest.mark.sqlite_only
def test_a_registered_sender_with_5000_bad_lines_gets_a_reply_of_bounded_size(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    raw = brokenmail.long_body(5_000, sender="huisverbod@utrecht.nl")
    fields = f"\r\n\r\nGemeente: Utrecht\r\nWachtwoord: {SECRET}\r\nPeriode: 2026-H1\r\n"
    imap_account.append(raw.replace(b"\r\n\r\n", fields.encode(), 1))

    run_pass(bot)

    [reply] = smtp_sink.wait_for(1)
    assert len(reply.raw) < 100_000
    body = reply.message.get_content()
    bullets = [line for line in body.splitlines() if line.startswith("  - ")]
    # The form reader reads 2,000 lines (MAILBOT_READ_MAX_FORM_LINES), and says so.
    assert len(bullets) == 21  # 2,000 problems: the first 20, then how many more
    assert bullets[-1] == "  - en nog 1.980 andere regels die wij niet konden gebruiken."
    assert "alleen het eerste deel gelezen" in body
    read_back = body.split("Dit hebben wij gelezen:\n\n")[1].split("\n\n")[0].splitlines()
    assert read_back[:3] == ["  Gemeente: Utrecht", "  Periode: 2026-H1", "  1. regel nummer 0: 0"]
    assert read_back[40:] == ["  (en nog 1.959 andere regels)"]  # 1,999 lines read, 40 shown


@pytest.mark.sqlite_only
def test_one_line_of_100000_characters_is_shown_cut_short(
    bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    value = "x" * 100_000
    form = (f"Gemeente: Utrecht\r\nWachtwoord: {SECRET}\r\nPeriode: 2026-H1\r\n"
            f"1. Aantal opgelegde huisverboden: {value}\r\n")
    raw = brokenmail.long_body(0, sender="huisverbod@utrecht.nl") + form.encode()
    imap_account.append(raw)

    run_pass(bot)

    [reply] = smtp_sink.wait_for(1)
    assert len(reply.raw) < 10_000
    body = reply.message.get_content()
    assert f'Vraag 1 (Aantal opgelegde huisverboden): "{"x" * 199}…" kunnen wij' in body
    assert f"  1. Aantal opgelegde huisverboden: {'x' * 165}…\n" in body
