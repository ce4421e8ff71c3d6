"""A whole half-year round with a moved clock, against Dovecot, the SMTP sink and the database.

Utrecht (one address) and Zeist (two addresses) are invited when 2026-H1 ends, Utrecht answers
the invitation, Zeist is reminded twice and answers late; the admins hear who was missing.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from mailbot import rounds
from mailbot.bot import Bot
from mailbot.dates.clock import FixedClock
from mailbot.dates.periods import Period
from mailbot.inbound.pipeline import run_pass
from mailbot.outbound import outbox
from mailbot.store import db, orgs
from mailbot.store.models import Reply, Round, RoundMail
from mailbot.store.submissions import answers_of
from tests.mails import BOT, filled_form, thunderbird_reply
from tests.servers.smtp_sink import SinkMessage
from tests.stories import (
    ADMIN,
    FIGURES,
    SECRET,
    ZEIST_SECRET,
    reply_from,
    statements,
    submissions,
)

UTRECHT = "huisverbod@utrecht.nl"
ANALYST = "analyse@wodc.example"
ZEIST = ("wth@zeist.nl", "veiligthuis@zeist.nl")


def at(month: int, day: int, hour: int = 6, minute: int = 0) -> datetime:
    """A moment in 2026, UTC (06:00 UTC is 08:00 in Amsterdam in summer)."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def tick_at(bot: Bot, moment: datetime) -> list[str]:
    """Move the clock, run the daemon's round job and the outbox job once."""
    bot.clock.current = moment  # type: ignore[attr-defined]
    done = rounds.tick(bot)
    outbox.flush(bot.engine, bot.settings, moment)
    return done


def without_period(text: str) -> str:
    """The person deleted the `Periode:` line."""
    return "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith("Periode:"))


def reply_to(sent: SinkMessage, sender: str, body: str, subject: str = "") -> bytes:
    """A Thunderbird reply to a mail the bot sent: its text quoted, In-Reply-To and References."""
    original = sent.message.get_content()
    raw = thunderbird_reply(sender, body, original, subject or f"Re: {sent.message['Subject']}")
    message = message_from_bytes(raw, policy=policy.default)
    message["In-Reply-To"] = sent.message["Message-ID"]
    message["References"] = sent.message["Message-ID"]
    return message.as_bytes()


def kinds(bot: Bot) -> Counter[str]:
    with Session(bot.engine) as session:
        return Counter(reply.kind for reply in session.exec(select(Reply)))


@pytest.fixture
def round_bot(bot: Bot) -> Iterator[Bot]:
    """The story bot with Zeist's second address, running on the last day of the half year."""
    with db.session_scope(bot.engine) as session:
        orgs.add_address(session, bot.clock.now(), "Zeist", ZEIST[1])
    # Its first tick settles the past: the 2025 rounds were never opened and will not be now.
    assert tick_at(bot, at(6, 30, 12)) == [
        "round 2025-H1 not opened: its deadline 2025-08-12 has passed",
        "round 2025-H2 not opened: its deadline 2026-02-12 has passed",
    ]
    yield bot


def test_story_a_whole_round_invites_reminds_the_missing_and_tells_the_admins(
    round_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    bot = dataclasses.replace(
        round_bot, settings=round_bot.settings.model_copy(update={"report_addresses": [ANALYST]}))
    assert tick_at(bot, at(6, 30, 13)) == []
    assert tick_at(bot, at(7, 1, 5, 59)) == []  # 07:59 in Amsterdam: not yet

    # 1 July, 08:00: the round opens; every registered address gets its own invitation.
    assert tick_at(bot, at(7, 1)) == ["round 2026-H1 opened: 3 invitation(s)"]
    invitations = smtp_sink.wait_for(3)
    assert sorted(r for m in invitations for r in m.rcpt_tos) == sorted([UTRECHT, *ZEIST])
    assert len({m.message["Message-ID"] for m in invitations}) == 3
    to_utrecht = next(m for m in invitations if m.rcpt_tos == [UTRECHT])
    subject = to_utrecht.message["Subject"]
    assert subject == "Monitoringsysteem Huisverbod: gegevens 2026-H1 van Utrecht"
    body = to_utrecht.message.get_content()
    assert "\nGemeente: Utrecht\n" in body and "\nPeriode: 2026-H1\n" in body
    assert "woensdag 12 augustus 2026" in body
    assert body.index("Periode: 2026-H1") < body.index("Toelichting bij de vragen")
    assert tick_at(bot, at(7, 1, 6, 5)) == []

    # 6 July: Utrecht replies to the invitation; it deleted the Periode line and the subject.
    bot.clock.current = at(7, 6, 10)  # type: ignore[attr-defined]
    answer = without_period(filled_form("Utrecht", SECRET, FIGURES))
    imap_account.append(reply_to(to_utrecht, UTRECHT, answer, subject="Re: cijfers huisverbod"))
    assert run_pass(bot).outcomes == {"processed": 1}
    [stored] = submissions(bot)
    assert (stored.period, stored.late) == ("2026-H1", False)
    assert "bevestiging Utrecht 2026-H1" in smtp_sink.wait_for(4)[3].message["Subject"]

    # 29 July, 14 days before the deadline: a reminder to Zeist's addresses only.
    assert tick_at(bot, at(7, 29, 5)) == []
    assert tick_at(bot, at(7, 29)) == [
        "round 2026-H1: reminder 14 days before the deadline, 2 mail(s)"]
    reminders = smtp_sink.wait_for(6)[4:]
    assert sorted(r for m in reminders for r in m.rcpt_tos) == sorted(ZEIST)
    assert "herinnering gegevens 2026-H1 van Zeist" in reminders[0].message["Subject"]
    assert tick_at(bot, at(7, 30)) == []

    # The daemon restarts: a new Bot on the same database, with its own clock and engine.
    restarted = Bot.from_settings(bot.settings, FixedClock(at(8, 6)), reader=bot.reader)
    try:
        assert tick_at(restarted, at(8, 6)) == []
        # 3 days before Wednesday 12 August is a Sunday: the reminder goes on Friday the 7th.
        assert tick_at(restarted, at(8, 7)) == [
            "round 2026-H1: reminder 3 days before the deadline, 2 mail(s)"]
        assert tick_at(restarted, at(8, 7, 7)) == []
        assert tick_at(bot, at(8, 7, 8)) == []  # the old daemon, still running, does nothing

        # 13 August, the day after the deadline: one overview to the admins, the report to
        # the analysts, and Utrecht (the only one that submitted) its own comparison.
        assert tick_at(restarted, at(8, 13)) == [
            "round 2026-H1: overview to the admins, 1 missing",
            "round 2026-H1: report to 1 analyst(s), feedback to 1 municipality(ies)",
        ]
        by_kind = {m.rcpt_tos[0]: m for m in smtp_sink.wait_for(11)[8:]}
        text = by_kind[ADMIN].message.get_content()
        assert "Zeist (gemeente): veiligthuis@zeist.nl, wth@zeist.nl" in text
        assert "Utrecht" not in text
        report = by_kind[ANALYST].message
        assert report["Subject"].endswith("rapportage eerste halfjaar van 2026")
        assert "1 van 2" in report.get_body(("plain",)).get_content()  # invited: Utrecht, Zeist
        attached = sorted(part.get_filename() for part in report.iter_attachments())
        assert attached == ["huisverbod-2026-H1.html", "huisverbod-2026-H1.xlsx"]
        assert "uw cijfers naast regio en land" in by_kind[UTRECHT].message["Subject"]
        with Session(bot.engine) as session:
            step = rounds.view(session, bot.settings, Period(2026, 1)).steps[-1]
        assert step.name == "report" and step.done is not None
        assert step.done.detail == "1 analist(en), 1 terugkoppeling(en)"
        assert tick_at(restarted, at(8, 14)) == [] and tick_at(bot, at(9, 1)) == []
    finally:
        restarted.engine.dispose()

    # 20 August: Zeist answers the reminder, late; it is stored, flagged and told so.
    bot.clock.current = at(8, 20, 9)  # type: ignore[attr-defined]
    answer = filled_form("Zeist", ZEIST_SECRET, FIGURES)
    imap_account.append(reply_to(reminders[0], ZEIST[0], answer))
    assert run_pass(bot).outcomes == {"processed": 1}
    late = next(s for s in submissions(bot) if s.late)
    assert late.period == "2026-H1"
    assert "na de uiterste datum" in smtp_sink.wait_for(12)[11].message.get_content()

    assert kinds(bot) == {"invitation": 3, "reminder": 4, "round_overview": 1, "report": 1,
                          "feedback": 1, "confirmation": 2}
    assert len(smtp_sink.messages) == 12
    assert len({m.message["Message-ID"] for m in smtp_sink.messages}) == 12


def test_a_daemon_down_over_the_opening_day_opens_the_round_when_it_starts(
    round_bot: Bot, smtp_sink: Any
) -> None:
    # Down from 30 June to 3 July: it opens the round at once; the invited still get their
    # six weeks, so the deadline is counted from the day the invitations went out.
    assert tick_at(round_bot, at(7, 3, 14)) == ["round 2026-H1 opened: 3 invitation(s)"]
    assert len(smtp_sink.wait_for(3)) == 3
    with Session(round_bot.engine) as session:
        assert str(session.exec(select(RoundMail.period)).first()) == "2026-H1"
        view = rounds.view(session, round_bot.settings, Period(2026, 1))
    assert view.round is not None and str(view.round.deadline) == "2026-08-14"


def test_after_a_long_outage_only_the_latest_due_reminder_goes_out(
    round_bot: Bot, smtp_sink: Any
) -> None:
    tick_at(round_bot, at(7, 1))
    smtp_sink.wait_for(3)

    # Down from 2 July to 8 August: both reminders are due, only the 3-day one is sent.
    assert tick_at(round_bot, at(8, 8)) == [
        "round 2026-H1: reminder 3 days before the deadline, 3 mail(s)"]
    assert tick_at(round_bot, at(8, 10)) == []
    assert kinds(round_bot)["reminder"] == 3


def test_a_round_whose_deadline_passed_while_down_is_not_opened_by_the_daemon(
    round_bot: Bot, smtp_sink: Any
) -> None:
    assert tick_at(round_bot, at(9, 1)) == [
        "round 2026-H1 not opened: its deadline 2026-08-12 has passed"]
    assert tick_at(round_bot, at(9, 2)) == []
    assert kinds(round_bot) == {}


def test_the_daemon_leaves_rounds_alone_when_told_to(round_bot: Bot, smtp_sink: Any) -> None:
    manual = dataclasses.replace(
        round_bot, settings=round_bot.settings.model_copy(update={"round_auto": False}))

    assert tick_at(manual, at(7, 1)) == []
    assert kinds(manual) == {}


def outlook_typed_into(
    sent: SinkMessage, sender: str, secret: str, values: dict[str, int]
) -> bytes:
    """Outlook in plain-text mode: a short note on top, the figures typed into the quoted
    invitation after each colon, and the `Periode:` line deleted."""
    typed = []
    for line in sent.message.get_content().splitlines():
        key = line.partition(".")[0]
        if line.startswith("Periode:"):
            continue
        if line == "Wachtwoord:":
            line = f"Wachtwoord: {secret}"
        elif key in values and line.endswith(":"):
            line = f"{line} {values[key]}"
        typed.append(line)
    message = EmailMessage()
    message["From"] = f"Zeist <{sender}>"
    message["To"] = BOT
    message["Subject"] = f"RE: {sent.message['Subject']}"
    message["Date"] = format_datetime(at(7, 2, 9))
    message["Message-ID"] = make_msgid(domain="zeist.nl")
    message["In-Reply-To"] = sent.message["Message-ID"]
    message["References"] = sent.message["Message-ID"]
    message["X-Mailer"] = "Microsoft Outlook 16.0"
    header = ("________________________________\n"
              f"Van: Monitoringsysteem Huisverbod <{BOT}>\n"
              "Verzonden: woensdag 1 juli 2026 08:00\n"
              f"Aan: {sender}\nOnderwerp: {sent.message['Subject']}\n\n")
    message.set_content("Zie hieronder.\n\n" + header + "\n".join(typed) + "\n", charset="utf-8")
    return message.as_bytes()


def test_an_outlook_reply_typed_into_the_invitation_without_the_period_line_is_stored(
    round_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    tick_at(round_bot, at(7, 1))
    invitation = next(m for m in smtp_sink.wait_for(3) if m.rcpt_tos == [ZEIST[0]])

    round_bot.clock.current = at(7, 2, 9)  # type: ignore[attr-defined]
    imap_account.append(outlook_typed_into(invitation, ZEIST[0], ZEIST_SECRET, FIGURES))

    assert run_pass(round_bot).outcomes == {"processed": 1}
    [stored] = submissions(round_bot)
    assert (stored.period, stored.late, stored.revision) == ("2026-H1", False, 1)
    with Session(round_bot.engine) as session:
        assert answers_of(session, stored) == FIGURES


def test_a_batch_reads_a_rounds_deadline_once_and_the_next_batch_reads_it_again(
    round_bot: Bot, imap_account: Any, smtp_sink: Any
) -> None:
    tick_at(round_bot, at(7, 1))  # the 2026-H1 round opens: deadline 12 August
    round_bot.clock.current = at(8, 20, 9)  # type: ignore[attr-defined]
    for figure in (1, 2, 3):
        imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": figure}))
    seen = statements(round_bot)

    def deadline_reads() -> list[str]:
        return [statement for statement in seen if "round.deadline" in statement]

    assert run_pass(round_bot).outcomes == {"processed": 3}
    assert len(deadline_reads()) == 1
    assert [s.late for s in submissions(round_bot)] == [True] * 3

    with Session(round_bot.engine) as session:  # an admin moves the deadline
        session.exec(update(Round).values(deadline=date(2026, 8, 31)))  # type: ignore[call-overload]
        session.commit()
    imap_account.append(reply_from(UTRECHT, figures={**FIGURES, "1": 4}))

    assert run_pass(round_bot).outcomes == {"processed": 1}
    assert len(deadline_reads()) == 2
    assert [s.late for s in submissions(round_bot)] == [True, True, True, False]
