"""Plain replies take a shortcut past compat32's header folding: the bytes must not change."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.policy import compat32

import pytest

from mailbot.config import Settings
from mailbot.inbound.outcome import Draft
from mailbot.outbound.compose import _POLICY, compose
from mailbot.outbound.render import Rendered
from mailbot.store.models import Inbound

SETTINGS = Settings(from_address="monitoring@huisverbod.test")
NOW = datetime(2026, 7, 6, 10, tzinfo=UTC)
NAMES = ("To", "Subject", "Message-ID", "In-Reply-To", "References", "Content-Type",
         "X-Auto-Response-Suppress")
PIECES = ("a", "Utrecht", "2026-H1", " ", "  ", "\t", ",", ";", ":", "<x@y.nl>", "é",
          "=?utf-8?q?x?=", "\n", "\r\n", "\n x", "Bcc: z", "\x1f", "\udce9", "-" * 30)


def _values() -> list[str]:
    rng = random.Random(7)
    values = ["", " ", "x", " x", "x ", "a  b", "a\tb", "a" * 76, "a" * 90, "a " * 38, "a " * 39]
    for _ in range(4000):
        values.append("".join(rng.choice(PIECES) for _ in range(rng.randint(1, 14))))
    for length in range(50, 90):  # around the folding limit
        values.append(" ".join("w" * rng.randint(1, 9) for _ in range(length))[:length])
    return values


@pytest.mark.parametrize("name", NAMES)
def test_the_shortcut_writes_what_compat32_writes(name: str) -> None:
    for value in _values():
        for binary in (False, True):
            fold = "fold_binary" if binary else "fold"
            try:
                expected = getattr(compat32, fold)(name, value)
            except Exception as error:  # the shortcut must raise the same error
                with pytest.raises(type(error)):
                    getattr(_POLICY, fold)(name, value)
                continue
            assert getattr(_POLICY, fold)(name, value) == expected, (name, value)


@pytest.mark.parametrize("subject", [
    "Monitoringsysteem Huisverbod: bevestiging 2026-H1",
    "Monitoringsysteem Huisverbod: bevestiging Súdwest-Fryslân 2026-H1, ’s-Hertogenbosch",
    "Re: " + "een heel lange onderwerpregel die niet op een regel past " * 3,
])
def test_a_plain_reply_is_byte_for_byte_the_compat32_message(subject: str) -> None:
    inbound = Inbound(dedupe_key="k", content_hash="h", folder="INBOX", uidvalidity=1, uid=1,
                      size=1, raw=b"", received_at=NOW,
                      message_id="0123456789.0123456789.0123456789@" + "lang" * 12 + ".nl")
    draft = Draft("huisverbod@utrecht.nl", "x", Rendered(subject, "Geachte heer,\nSúdwest\n"))
    message = compose(draft, SETTINGS, NOW, "<r.0.abc@huisverbod.test>", inbound)
    assert message.policy is _POLICY
    assert message.as_bytes() == message.as_bytes(policy=compat32)
