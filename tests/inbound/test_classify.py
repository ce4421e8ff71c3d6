"""Classification: loop and backscatter safety (RFC 3834) and the mail command words."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest

from mailbot.config import Settings
from mailbot.inbound.classify import classify
from mailbot.reader.message import read

SETTINGS = Settings(from_address="monitoring@huisverbod.test")
FIXTURES = Path(__file__).parent.parent / "fixtures" / "real-mail"


def mail(
    subject: str = "Re: Monitoringsysteem Huisverbod: gegevens 2026-H1",
    body: str = "Gemeente: Utrecht\n1. Aantal opgelegde huisverboden: 3\n",
    sender: str = "huisverbod@utrecht.nl",
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Jan de Vries <{sender}>" if sender else ""
    message["To"] = "monitoring@huisverbod.test"
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2026, 7, 6, 9, 0, tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain="utrecht.nl")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def kind(raw: bytes) -> str:
    return classify(read(raw), SETTINGS)


def test_an_ordinary_reply_is_a_submission() -> None:
    assert kind(mail()) == "submission"


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto_Submitted": "auto-replied"},
        {"Auto_Submitted": "auto-generated"},
        {"Auto_Submitted": "auto-notified; owner-email=x@y.nl"},
        {"Precedence": "bulk"},
        {"Precedence": "junk"},
        {"Precedence": "list"},
        {"List_Id": "<huiselijkgeweld.lists.example.nl>"},
        {"List_Unsubscribe": "<mailto:leave@lists.example.nl>"},
        {"X_Autoreply": "yes"},
        {"X_Autorespond": "Afwezigheidsassistent"},
    ],
    ids=lambda h: next(iter(h.items()))[0] + "=" + next(iter(h.items()))[1],
)
def test_robot_headers_are_never_answered(headers: dict[str, str]) -> None:
    assert kind(mail(**headers)) == "auto_reply"


def test_auto_submitted_no_is_a_person() -> None:
    assert kind(mail(Auto_Submitted="no")) == "submission"


@pytest.mark.parametrize(
    "subject",
    [
        "Automatisch antwoord: Monitoringsysteem Huisverbod",
        "Afwezig: gegevens 2026-H1",
        "Out of Office: Monitoringsysteem",
        "Automatic reply: gegevens",
        "AUTOREPLY",
        "Niet aanwezig tot 1 augustus",
    ],
)
def test_out_of_office_subjects_without_headers(subject: str) -> None:
    assert kind(mail(subject=subject)) == "auto_reply"


@pytest.mark.parametrize(
    ("sender", "headers"),
    [
        ("MAILER-DAEMON@mx.utrecht.nl", {}),
        ("postmaster@utrecht.nl", {}),
        ("huisverbod@utrecht.nl", {"Return_Path": "<>"}),
        ("", {"Return_Path": "<>"}),
    ],
    ids=["mailer-daemon", "postmaster", "null-return-path", "null-return-path-no-sender"],
)
def test_mail_system_senders_are_bounces(sender: str, headers: dict[str, str]) -> None:
    assert kind(mail(sender=sender, **headers)) == "bounce"


def test_our_own_address_is_never_answered() -> None:
    assert kind(mail(sender="Monitoring@Huisverbod.test")) == "ours"


@pytest.mark.parametrize(
    "name",
    [
        *sorted(p.name for p in (FIXTURES / "sisimai-set-of-emails").glob("*.eml")),
        "mailgun-flanker/bounce/office365.eml",
    ],
)
def test_real_bounces_and_auto_replies_are_never_answered(name: str) -> None:
    path = FIXTURES / (name if "/" in name else f"sisimai-set-of-emails/{name}")
    assert kind(path.read_bytes()) in ("bounce", "auto_reply")


@pytest.mark.parametrize(
    ("subject", "body", "expected"),
    [
        ("GEGEVENS", "", "gegevens"),
        ("gegevens", "Met vriendelijke groet,\nJan", "gegevens"),
        ("RE: Mijn gegevens opvragen", "", "gegevens"),
        ("vraag", "Gegevens\n\nGroet, Jan", "gegevens"),
        ("Help", "", "help"),
        ("", "toelichting graag", "help"),
        ("ACCOUNT", "Gemeente: Zeist\nNaam: Piet", "account"),
        ("Account aanvragen", "", "account"),
        ("Wachtwoord vergeten", "", "wachtwoord"),
        ("wachtwoord", "", "wachtwoord"),
        # A subject that only mentions a word, or a form field, is not a command:
        (
            "Gegevens 2026-H1 Utrecht",
            "Gemeente: Utrecht\n1. Aantal opgelegde huisverboden: 3",
            "submission",
        ),
        (
            "Re: Monitoringsysteem Huisverbod: gegevens 2026-H1",
            "Wachtwoord: geheim-geheim\nGemeente: Utrecht",
            "submission",
        ),
    ],
)
def test_command_words(subject: str, body: str, expected: str) -> None:
    assert kind(mail(subject=subject, body=body or "\n")) == expected
