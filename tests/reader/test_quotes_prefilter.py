"""The cheap checks that spare most lines the quote-header patterns change no split."""

from __future__ import annotations

import random
import re

import pytest

from mailbot.reader import quotes

LINES = (
    "", " ", "Gemeente: Utrecht", "1. Aantal opgelegde huisverboden: 3", "Met vriendelijke groet,",
    "Jan", "> Geachte heer/mevrouw,", ">", "> Periode: 2026-H1", "  > 2. Aantal: 4",
    "Op 1 juli 2026 om 09:00 schreef Monitoringsysteem Huisverbod <m@h.nl>:",
    "Op 1 juli 2026 om 09:00 schreef", "Monitoringsysteem Huisverbod", "<m@h.nl>:",
    "OP", "op", "  Op  ", "On Mon, 6 Jul 2026 at 09:00, Jan de Vries", "<jan@utrecht.nl> wrote:",
    "on", "Am 06.07.2026 um 09:00 schrieb Jan:", "Le 6 juil. 2026 à 09:00, Jan a écrit :",
    "Le", "lundi 6 juillet", "a écrit :", "Jan wrote:", "Jan schreef op 1-7-2026 09:00:",
    "-----Oorspronkelijk bericht-----", "-----Original Message-----", "_" * 32, "-" * 12,
    "From: Jan <jan@utrecht.nl>", "Van: Jan", "Verzonden: maandag 6 juli 2026 09:00",
    "Aan: monitoring@huisverbod.nl", "Onderwerp: Re: gegevens", "*Van:* Jan", "Sent: today",
    "Begin forwarded message:", "begin doorgestuurd bericht:", "-- ", "--", "Sent from my iPhone",
    "Ongeveer 12", "Lente", "Leuk", "Amsterdam", "Onderwerp", "omdat", "Le\u00a0lundi",
    "\tOp 1 juli", "—", "_", "-",
)


def _texts(count: int) -> list[str]:
    rng = random.Random(11)
    return ["\n".join(rng.choice(LINES) for _ in range(rng.randint(1, 25)))
            for _ in range(count)]


def test_the_checks_change_no_split(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts(3000)
    filtered = [quotes.split(text) for text in texts]
    assert sum(bool(split.quoted_from) for split in filtered) > 1000  # headers of every kind
    everything = re.compile("")
    monkeypatch.setattr(quotes, "_HEADER_START", everything)
    monkeypatch.setattr(quotes, "_ATTRIBUTION_START", everything)
    assert [quotes.split(text) for text in texts] == filtered
