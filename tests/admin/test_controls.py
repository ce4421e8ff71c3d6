"""Control characters never reach a terminal or a log raw."""

from __future__ import annotations

import pytest

from mailbot.cli.controls import escape


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07"),  # retitles a terminal
        ("a\nINFO forged line\r", "a\\x0aINFO forged line\\x0d"),
        ("tab\there\x00\x7f", "tab\\x09here\\x00\\x7f"),
        ("\x9b31m", "\\x9b31m"),  # C1 CSI, a one-character escape sequence
        ("gemeente\u202egnp.exe", "gemeente\\u202egnp.exe"),
        ("\u2066x\u2069\u2028", "\\u2066x\\u2069\\u2028"),
        *[(text, text) for text in ("'s-Hertogenbosch", "Súdwest-Fryslân", "日本 🙂", "a\\b")],
    ],
)
def test_controls_are_shown_as_escapes(text: str, shown: str) -> None:
    assert escape(text) == shown
