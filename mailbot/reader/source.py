"""The raw bytes as the standard library's parser may see them, in time linear in the mail.

Two things are left out before parsing: the bodies of a large message's attachments
(`mailbot.reader.large`), and the part of any `Content-Type` or `Content-Disposition` field
beyond `FIELD_BYTES`. The stdlib reads the parameters of those fields (`boundary`, `charset`,
`filename`) by copying the rest of the field once per parameter, so one field of a hundred
thousand parameters costs hours; no client writes such a field longer than a few hundred bytes.
"""

from __future__ import annotations

import re
from email.policy import Policy, compat32

from mailbot.reader import large

FIELD_BYTES = 2048
# Where a parameter field starts: a line beginning with its name (a header, or a part header).
_PARAMETER_FIELD = re.compile(rb"^content-(?:type|disposition)[ \t]*:", re.IGNORECASE | re.M)


def parseable(raw: bytes, policy: Policy = compat32) -> bytes:
    """`raw` ready for `email.message_from_bytes` with `policy`."""
    return bounded_fields(large.readable(raw, policy))


def bounded_fields(raw: bytes) -> bytes:
    """`raw` with every Content-Type and Content-Disposition field cut to `FIELD_BYTES`."""
    kept: list[bytes] = []
    done = 0  # raw[:done] is in `kept` already
    for match in _PARAMETER_FIELD.finditer(raw):
        if match.start() < done:
            continue  # inside a field cut already
        end = _field_end(raw, match.start())
        if end - match.start() <= FIELD_BYTES:
            continue
        kept += [raw[done:match.start() + FIELD_BYTES], b"\r\n"]
        done = end
    if not kept:
        return raw
    kept.append(raw[done:])
    return b"".join(kept)


def _field_end(raw: bytes, start: int) -> int:
    """Where the field starting at `start` ends: after its last continuation line, or at the
    first line past `FIELD_BYTES` (the rest is cut, however long it goes on)."""
    position = start
    while True:
        newline = raw.find(b"\n", position, start + FIELD_BYTES + 1)
        if newline < 0:
            # No line end within the limit: the field is cut there; skip to its line's end.
            line_end = raw.find(b"\n", start + FIELD_BYTES)
            return len(raw) if line_end < 0 else _continuations_end(raw, line_end + 1)
        position = newline + 1
        if raw[position:position + 1] not in (b" ", b"\t"):
            return position
        if position - start > FIELD_BYTES:
            return _continuations_end(raw, position)


def _continuations_end(raw: bytes, position: int) -> int:
    """Past every continuation line (starting with a space or tab) from `position` on."""
    while raw[position:position + 1] in (b" ", b"\t"):
        newline = raw.find(b"\n", position)
        if newline < 0:
            return len(raw)
        position = newline + 1
    return position
