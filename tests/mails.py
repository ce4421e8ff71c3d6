"""Mails as real clients build them, for story tests."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_string
from email.message import EmailMessage
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, make_msgid

from mailbot.forms import load_form
from mailbot.outbound.render import Renderer

BOT = "monitoring@huisverbod.test"


def template_text(period: str = "2026-H1", org: str = "", kind: str = "gemeente") -> str:
    """The body of the template mail the bot sends."""
    from mailbot.dates.periods import Period

    p = Period.parse(period)
    mail = Renderer().mail("template.txt.j2", form=load_form(kind), org_name=org,
                           period=period, period_dutch=p.dutch)
    return mail.body


def filled_form(org: str, secret: str, values: dict[str, object], period: str = "2026-H1",
                name: str = "J. de Vries") -> str:
    """What a person types: the fields and one line per answer."""
    lines = [f"Gemeente: {org}", f"Naam: {name}", "E-mailadres:", f"Wachtwoord: {secret}",
             f"Periode: {period}", ""]
    form = load_form("gemeente")
    for q in form.questions:
        value = values.get(q.key, "")
        lines.append(f"{q.key}. {q.label}: {value}".rstrip())
    return "\n".join(lines) + "\n"


def thunderbird_reply(sender: str, body: str, quoted: str, subject: str = "",
                      when: datetime | None = None) -> bytes:
    """A plain-text Thunderbird reply: the answer on top, the original quoted with '> '."""
    when = when or datetime(2026, 7, 6, 9, 30, tzinfo=UTC)
    message = EmailMessage()
    message["From"] = f"Jan de Vries <{sender}>"
    message["To"] = BOT
    message["Subject"] = subject or "Re: Monitoringsysteem Huisverbod: gegevens 2026-H1"
    message["Date"] = format_datetime(when)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["User-Agent"] = "Mozilla Thunderbird"
    quote = "\n".join(f"> {line}".rstrip() for line in quoted.splitlines())
    attribution = "Op 01-07-2026 om 08:00 schreef Monitoringsysteem Huisverbod:\n"
    message.set_content(f"{body}\n{attribution}{quote}\n", charset="utf-8")
    return message.as_bytes()


def simple_mail(sender: str, subject: str, body: str = "", **headers: str) -> bytes:
    """A short plain-text mail as Outlook sends a one-line command (headers by keyword)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = BOT
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 7, 6, 9, 45, tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">") or "x.nl")
    message["X-Mailer"] = "Microsoft Outlook 16.0"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body or "\n", charset="utf-8")
    return message.as_bytes()


def postfix_bounce(recipients: list[str], to: str = BOT) -> bytes:
    """A delivery report as Postfix writes it (RFC 3464): a note, the status, the headers."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@mail.example.net (Mail Delivery System)"
    report["To"] = to
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Date"] = format_datetime(datetime(2026, 7, 6, 9, 50, tzinfo=UTC))
    report["Message-ID"] = make_msgid(domain="mail.example.net")
    report["Auto-Submitted"] = "auto-replied"
    report.attach(MIMEText("This is the mail system at host mail.example.net.\n\n"
                           "I'm sorry to have to inform you that your message could not\n"
                           "be delivered to one or more recipients.\n", "plain", "us-ascii"))
    status = MIMEBase("message", "delivery-status")
    blocks = ["Reporting-MTA: dns; mail.example.net\nX-Postfix-Queue-ID: 4Xk2Lq0Xz1z9t\n"
              "Arrival-Date: Mon,  6 Jul 2026 11:49:58 +0200 (CEST)\n"]
    blocks += [f"Final-Recipient: rfc822; {address}\nOriginal-Recipient: rfc822;{address}\n"
               f"Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <{address}>:"
               " Recipient address rejected: User unknown\n" for address in recipients]
    status.set_payload([message_from_string(block) for block in blocks])
    report.attach(status)
    headers = MIMEBase("text", "rfc822-headers")
    headers.set_payload(f"From: {to}\nTo: {recipients[0] if recipients else ''}\n"
                        "Subject: Monitoringsysteem Huisverbod: gegevens 2026-H1\n")
    report.attach(headers)
    return report.as_bytes(policy=compat32.clone(linesep="\r\n"))
