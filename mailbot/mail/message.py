"""A raw message turned into what a person reads: headers, the readable body, fresh and quoted.

Hostile or broken input degrades (replacement characters, skipped parts) instead of raising;
only absurd nesting raises, as ValueError, for the caller to quarantine.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import Message
from email.utils import collapse_rfc2231_value, getaddresses
from itertools import groupby
from types import MappingProxyType

from mailbot.mail import large
from mailbot.mail.html import html_to_text
from mailbot.mail.quotes import split

MAX_DEPTH = 40  # MIME nesting a real client produces is < 10
SHORT_NOTE = 400  # characters: "zie bijlage" above a forwarded message, not a reply of its own
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=")
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", re.IGNORECASE)
_IDS = re.compile(r"<([^<>]*)>")
_FOLDING = re.compile(r"\r?\n")
# Controls and invisible format characters; tab and newline stay, NBSP-like spaces become spaces.
_HIDDEN = [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0), 0xAD,
           *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), 0xFEFF]
_INVISIBLE: dict[int, str | None] = dict.fromkeys(_HIDDEN)
_INVISIBLE |= {0xA0: " ", 0x2007: " ", 0x202F: " "}


@dataclass(frozen=True)
class MailView:
    """A raw message turned into what a person reads."""

    message_id: str | None
    sender: str | None
    sender_name: str
    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]
    headers: Mapping[str, tuple[str, ...]]
    content_type: str
    text: str
    fresh: str
    quoted: str
    quoted_from: str = ""  # who the quote header names as the quoted message's writer
    # Authentication-Results as they arrived (unfolded, no RFC 2047 decoding), top first.
    authentication_results: tuple[str, ...] = ()


def read(raw: bytes) -> MailView:
    """Read a raw message; ValueError only for input no mail client would produce."""
    try:
        # A large message is parsed without its attachments' bodies (mailbot.mail.large).
        message = message_from_bytes(large.readable(raw, policy.compat32), policy=policy.compat32)
        text = tidy(_text(message, 0))
    except RecursionError as error:  # the stdlib parser recurses once per nesting level
        raise ValueError("MIME structure nested too deeply to read") from error
    headers = _headers(message)
    sender, sender_name = _sender(headers)
    ids = _ids(_first(headers, "message-id"))
    parts = split(text)
    return MailView(
        message_id=ids[0] if ids else None,
        sender=sender,
        sender_name=sender_name,
        subject=" ".join(decode_words(_first(headers, "subject")).split()),
        in_reply_to=next(iter(_ids(_first(headers, "in-reply-to"))), None),
        references=_ids(_first(headers, "references")),
        headers=MappingProxyType({k: tuple(map(decode_words, v)) for k, v in headers.items()}),
        content_type=message.get_content_type(),
        text=text,
        fresh=parts.fresh,
        quoted=parts.quoted,
        quoted_from=parts.quoted_from,
        authentication_results=tuple(headers.get("authentication-results", ())),
    )


# --- headers ----------------------------------------------------------------------------------


def _headers(message: Message) -> dict[str, list[str]]:
    """Raw header values (RFC 2047 still encoded), unfolded, 8-bit bytes decoded leniently."""
    headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        unfolded = str(value)
        if "\n" in unfolded:
            unfolded = _FOLDING.sub("", unfolded)
        raw = unfolded.encode("utf-8", "surrogateescape")  # the parser kept 8-bit bytes that way
        headers.setdefault(name.lower(), []).append(decode_bytes(raw, "utf-8"))
    return headers


def _first(headers: Mapping[str, list[str]], name: str) -> str:
    return headers.get(name, [""])[0]


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words leniently; bad charsets and base64 degrade, never raise."""
    if "=?" not in value:  # no encoded word (most values): what the loop below would return
        return value.translate(_INVISIBLE).strip()
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
    return "".join(out).translate(_INVISIBLE).strip()


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


def _sender(headers: Mapping[str, list[str]]) -> tuple[str | None, str]:
    """The first From address (addr-spec) and its display name."""
    value = _first(headers, "from")
    pairs = [p for p in getaddresses([value]) if p[1]] if value else []
    if not pairs:
        return None, ""
    name, address = pairs[0]
    # Whitespace or a control character (NUL!) in an address is not a usable sender.
    valid = "@" in address.strip("@") and not re.search(r"[\s\x00-\x1f\x7f]", address)
    return (address if valid else None), decode_words(name)


def _ids(value: str) -> tuple[str, ...]:
    """Message ids without angle brackets; bare ids are accepted from sloppy clients."""
    found = [m.strip() for m in _IDS.findall(value)] if "<" in value else value.split()
    return tuple(m for m in found if m)


# --- charsets ---------------------------------------------------------------------------------


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


def tidy(text: str) -> str:
    """LF line ends, no control or invisible characters, no trailing spaces, no outer blanks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


# --- MIME -------------------------------------------------------------------------------------


def _text(part: Message, depth: int) -> str:
    """The readable text of one MIME part, attachments and non-text parts skipped."""
    ctype = part.get_content_type()
    if depth > MAX_DEPTH or ctype.startswith("message/"):
        return ""
    if part.is_multipart():
        if ctype == "multipart/alternative":
            return _alternative(part, depth)
        if ctype == "multipart/related":
            return next((t for t in _children_texts(part, depth) if t.strip()), "")
        return _mixed(part, depth)
    if ctype in ("text/plain", "text/html") and not _is_attachment(part):
        return _leaf(part)
    return ""


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _children_texts(part: Message, depth: int) -> list[str]:
    return [tidy(_text(child, depth + 1)) for child in _children(part)]


def _alternative(part: Message, depth: int) -> str:
    """Plain text unless it is missing or a stub of the HTML version."""
    plain, rich = "", ""
    for child in _children(part):
        if child.get_content_type() == "text/plain" and not plain:
            plain = tidy(_text(child, depth + 1))
        elif child.get_content_type() == "text/html" or child.is_multipart():
            rich = tidy(_text(child, depth + 1)) or rich
    return rich if _is_stub(plain, rich) else plain


def _is_stub(plain: str, rich: str) -> bool:
    plain_size, rich_size = len("".join(plain.split())), len("".join(rich.split()))
    return plain_size == 0 or plain_size * 5 < rich_size * 2


def _mixed(part: Message, depth: int) -> str:
    """Inline text parts in order; a forwarded message counts when the note above it is short."""
    texts: list[str] = []
    forwarded: list[str] = []
    for child in _children(part):
        if child.get_content_type() == "message/rfc822":
            forwarded.extend(tidy(_text(inner, depth + 2)) for inner in _children(child))
        else:
            texts.append(tidy(_text(child, depth + 1)))
    note = "\n".join(t for t in texts if t)
    if part.get_content_type() == "multipart/report" or len(split(note).fresh) > SHORT_NOTE:
        return note
    return "\n\n".join(t for t in [note, *forwarded] if t)


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or part.get_filename() is not None


def _leaf(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset()
    if part.get_content_subtype() == "html":
        sniffed = _META_CHARSET.search(data[:4096])
        declared = charset or (sniffed.group(1).decode("ascii") if sniffed else None)
        return html_to_text(decode_bytes(data, declared))
    text = decode_bytes(data, charset).replace("\r\n", "\n").replace("\r", "\n")
    if _param(part, "format") == "flowed":
        text = unflow(text, delete_space=_param(part, "delsp") == "yes")
    return text


def _param(part: Message, name: str) -> str:
    value = part.get_param(name)
    if isinstance(value, tuple):
        value = collapse_rfc2231_value(value)
    return str(value or "").strip().lower()


def unflow(text: str, delete_space: bool = False) -> str:
    """RFC 3676 format=flowed: join soft breaks, undo space-stuffing, '>' depth as '> '."""
    out: list[str] = []
    paragraph: tuple[int, str] | None = None
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        content = content[1:] if content.startswith(" ") else content
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delete_space:
            content = content[:-1]
        if paragraph and paragraph[0] == depth:
            paragraph = (depth, paragraph[1] + content)
        else:
            if paragraph:
                out.append("> " * paragraph[0] + paragraph[1])
            paragraph = (depth, content)
        if not flowed:
            out.append("> " * depth + paragraph[1])
            paragraph = None
    if paragraph:
        out.append("> " * paragraph[0] + paragraph[1])
    return "\n".join(out)
