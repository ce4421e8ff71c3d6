"""Control characters made visible before text reaches a terminal or a log.

Text from a mail (a sender, a Message-ID, an address in a delivery report, a name in a request)
may carry escape sequences that retitle a terminal, rewrite a line or forge a log line, and
bidi overrides that show a line in another order than it is stored. At the edges, where text is
printed or logged, each becomes a visible escape such as `\\x1b` or `\\u202e`.
"""

from __future__ import annotations

from types import MappingProxyType

# C0 (line breaks and tab included), DEL, C1; the bidi embeddings, overrides and isolates; the
# Unicode line and paragraph separators, which some log readers take for a new line.
_CONTROLS = (*range(0x00, 0x20), *range(0x7F, 0xA0))
_UNICODE = (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029)
_ESCAPES = MappingProxyType(
    {code: f"\\x{code:02x}" for code in _CONTROLS} | {code: f"\\u{code:04x}" for code in _UNICODE}
)


def escape(text: str) -> str:
    """The text on one line, every control character shown as an escape (`\\x1b`, `\\u202e`)."""
    return text.translate(_ESCAPES)
