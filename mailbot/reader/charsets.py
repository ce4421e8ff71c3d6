"""Text from bytes as the sender meant it: charsets that lie, RFC 2047 encoded words, and the
invisible characters a reader drops.
"""

from __future__ import annotations

import binascii
import codecs
import re
from itertools import groupby

_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
# Controls and invisible format characters; tab and newline stay, NBSP-like spaces become spaces.
_HIDDEN = [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0), 0xAD,
           *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), 0xFEFF]
INVISIBLE: dict[int, str | None] = dict.fromkeys(_HIDDEN)
INVISIBLE |= {0xA0: " ", 0x2007: " ", 0x202F: " "}


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words leniently; bad charsets and base64 degrade, never raise."""
    if "=?" not in value:  # no encoded word (most values): what the loop below would return
        return value.translate(INVISIBLE).strip()
    out: list[str] = []
    run: list[tuple[str, bytes]] = []  # adjacent encoded words: one character may span two
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        gap = value[position:match.start()]
        if gap.strip() or not run:  # whitespace between two encoded words is not text
            out.append(_decode_run(run) + gap)
            run = []
        run.append((match.group(1), _word_bytes(match.group(2), match.group(3))))
        position = match.end()
    out.append(_decode_run(run) + value[position:])
    return "".join(out).translate(INVISIBLE).strip()


def _word_bytes(encoding: str, payload: str) -> bytes:
    data = payload.encode("ascii", "replace")
    if encoding in "qQ":
        return binascii.a2b_qp(data, header=True)
    try:
        return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
    except binascii.Error:
        return data


def _decode_run(run: list[tuple[str, bytes]]) -> str:
    groups = groupby(run, key=lambda word: word[0].lower())
    return "".join(decode_bytes(b"".join(d for _, d in words), cs) for cs, words in groups)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes to text as the sender meant it, whatever the label says.

    Labels lie: "us-ascii" and "utf-8" over windows-1252 bytes, "iso-8859-1" over curly quotes
    and euro signs (0x80-0x9F), unknown names. Try UTF-8, then windows-1252.
    """
    name = _codec(charset)
    if name in (None, "ascii", "utf-8"):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")
    if name == "iso8859-1":
        return data.decode("cp1252", errors="replace")
    try:
        return data.decode(name, errors="replace")
    except (UnicodeError, LookupError):  # codecs such as idna only decode strictly
        return decode_bytes(data, None)


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    try:
        info = codecs.lookup(charset.strip().strip("\"'"))
    except (LookupError, ValueError):
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None
