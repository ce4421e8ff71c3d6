"""`mailbot demo`: one full round trip on this machine, no root, no installed server.

pymap's in-memory IMAP server plays the bot's mailbox, an aiosmtpd sink plays the outgoing
mail server, SQLite holds the data. The demo registers a municipality, sends it the template,
plays a staff member's reply as Thunderbird would write it, runs one pass and shows the result.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, make_msgid
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope
from pydantic import SecretStr
from sqlmodel import Session

from mailbot.bot import Bot
from mailbot.config import Settings
from mailbot.dates.clock import SystemClock
from mailbot.dates.periods import Period
from mailbot.demo.mailbox import DemoMailbox
from mailbot.forms import load_form
from mailbot.inbound.outcome import Draft
from mailbot.inbound.pipeline import run_pass
from mailbot.outbound import outbox
from mailbot.reports.export import export_csv
from mailbot.store import db, orgs

BOT_ADDRESS = "monitoring@huisverbod.demo"
STAFF_ADDRESS = "huisverbod@utrecht.demo"
FIGURES = {"1": 14, "2": 1, "3": 6, "4": 1, "5": 5, "6": 3, "7a": 9, "7b": 11, "7c": 17,
           "8": 2, "9": 0, "10": 1}

Say = Callable[[str], None]


@dataclass
class Sink:
    """An aiosmtpd handler that keeps every message it receives."""

    received: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: object, session: object, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        self.received.append(message_from_bytes(raw, policy=default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(directory: Path, say: Say) -> bool:
    """Play the round trip in `directory`; True when the confirmation arrived."""
    directory.mkdir(parents=True, exist_ok=True)
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=_free_port())
    with DemoMailbox(log=directory / "imap.log") as imap:
        smtp.start()
        bot = Bot.from_settings(_settings(directory, imap, smtp))
        try:
            return _play(directory, bot, imap, sink, say)
        finally:
            bot.close()
            smtp.stop()


def _settings(directory: Path, imap: DemoMailbox, smtp: Controller) -> Settings:
    return Settings(
        database_url=f"sqlite:///{directory / 'mailbot.db'}",
        imap_host=imap.host, imap_port=imap.port, imap_user=imap.user,
        imap_password=SecretStr(imap.password), imap_security="none",
        smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_security="none",
        from_address=BOT_ADDRESS, admin_addresses=["beheer@huisverbod.demo"],
    )


def _play(
    directory: Path, bot: Bot, imap: DemoMailbox, sink: Sink, say: Say
) -> bool:
    db.init(bot.engine)
    period = Period.last_ended(bot.clock.now())
    secret = _register(bot)
    say(f"1. Gemeente Utrecht geregistreerd met adres {STAFF_ADDRESS} en wachtwoord {secret}")
    template = _send_template(bot, period, sink)
    say(f"2. Het formulier over {period} is verstuurd naar {STAFF_ADDRESS}")
    imap.append(_staff_reply(template, secret, period))
    say("3. Een medewerker antwoordt met de aantallen (zoals Thunderbird dat verstuurt)")
    report = run_pass(bot)
    say(f"4. mailbot leest de inbox: {report.handled} bericht verwerkt, "
        f"{report.sent} antwoord verstuurd")
    confirmation = next((m for m in sink.received if "bevestiging" in str(m["Subject"])), None)
    if confirmation is None:
        say("Er is geen bevestiging aangekomen; zie de meldingen hierboven.")
        return False
    say("\n--- De bevestiging die de medewerker krijgt ---")
    say(f"Onderwerp: {confirmation['Subject']}\n")
    say(confirmation.get_content())
    with Session(bot.engine) as session:
        say("--- mailbot export --format csv ---")
        say(export_csv(session))
    _next_steps(directory, say)
    return True


def _register(bot: Bot) -> str:
    with db.session_scope(bot.engine) as session:
        now = bot.clock.now()
        if orgs.find(session, "Utrecht") is None:
            orgs.add(session, now, "Utrecht", "gemeente", "GM0344", "Utrecht")
        orgs.add_address(session, now, "Utrecht", STAFF_ADDRESS)
        _, secret = orgs.set_secret(session, now, "Utrecht")
    return secret


def _send_template(bot: Bot, period: Period, sink: Sink) -> EmailMessage:
    """Queue and send the template; return it as the staff member's mail client got it."""
    rendered = bot.renderer.mail("template.txt.j2", form=load_form("gemeente"),
                                 org_name="Utrecht", period=str(period),
                                 period_dutch=period.dutch)
    now = bot.clock.now()
    with db.session_scope(bot.engine) as session:
        outbox.queue(session, bot.settings, now, Draft(STAFF_ADDRESS, "template", rendered),
                     None, basis=f"demo:{now.isoformat()}")
    outbox.flush(bot.engine, bot.settings, now)
    return sink.received[-1]


def _staff_reply(template: EmailMessage, secret: str, period: Period) -> bytes:
    """The template answered inline: figures after the colons, the original quoted below."""
    lines = template.get_content().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Gemeente:"))
    end = next(i for i, line in enumerate(lines) if line.startswith("10."))
    body = "\n".join(_fill(line, secret) for line in lines[start : end + 1])
    quoted = "\n".join(f"> {line}".rstrip() for line in template.get_content().splitlines())
    reply = EmailMessage()
    reply["From"] = f"Anna de Vries <{STAFF_ADDRESS}>"
    reply["To"] = BOT_ADDRESS
    reply["Subject"] = f"Re: {template['Subject']}"
    reply["Date"] = format_datetime(SystemClock().now())
    reply["Message-ID"] = make_msgid(domain="utrecht.demo")
    reply["In-Reply-To"] = template["Message-ID"]
    reply["User-Agent"] = "Mozilla Thunderbird"
    reply.set_content(f"{body}\n\nOp {period.end:%d-%m-%Y} schreef Monitoringsysteem "
                      f"Huisverbod:\n{quoted}\n")
    return reply.as_bytes()


def _fill(line: str, secret: str) -> str:
    key = line.split(".", 1)[0]
    if line.endswith(":") and key in FIGURES:
        return f"{line} {FIGURES[key]}"
    if line.startswith("Naam:"):
        return "Naam: Anna de Vries"
    if line.startswith("Wachtwoord:"):
        return f"Wachtwoord: {secret}"
    return line


def _next_steps(directory: Path, say: Say) -> None:
    say(f"""--- Wat nu? ---
De demo-database staat in {directory / 'mailbot.db'}. Probeer bijvoorbeeld:
  export MAILBOT_DATABASE_URL=sqlite:///{directory / 'mailbot.db'}
  mailbot org list
  mailbot export --history
  mailbot template --kind politie --period 2026-H1
  mailbot status
Voor echt gebruik: zie "Running it for real" in README.md.""")
