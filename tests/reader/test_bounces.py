"""Failed recipients are read from real delivery reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.reader.bounces import failed_recipients
from tests.mails import postfix_bounce

FIXTURES = Path(__file__).parent.parent / "fixtures" / "real-mail"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mailgun-flanker/bounce/office365.eml", ["noname@example.com"]),
        ("sisimai-set-of-emails/lhost-office365-05.eml", ["kijitora@example.jp"]),
        ("sisimai-set-of-emails/rfc3464-01.eml", ["userunknown@bouncehammer.jp"]),
        ("sisimai-set-of-emails/lhost-exchange2007-06.eml", ["transports@agglo-saumur.fr"]),
        ("sisimai-set-of-emails/rfc3834-01.eml", []),  # an auto-reply names nobody
    ],
)
def test_failed_recipients_of_real_reports(name: str, expected: list[str]) -> None:
    assert failed_recipients((FIXTURES / name).read_bytes()) == expected


def test_postfix_report_names_final_and_original_recipient() -> None:
    raw = (FIXTURES / "sisimai-set-of-emails/lhost-postfix-01.eml").read_bytes()
    assert "kijitora@example.org" in failed_recipients(raw)


def test_only_valid_addresses_are_taken_from_a_report() -> None:
    raw = postfix_bounce(["\x1b]0;gehackt\x07@utrecht.nl", "Huisverbod@Utrecht.NL",
                          "geen-adres", "wth@zeist.nl"])
    assert failed_recipients(raw) == ["huisverbod@utrecht.nl", "wth@zeist.nl"]
