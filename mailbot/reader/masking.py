"""A copy of a message with every typed secret masked: no stored or filed mail keeps one.

The secrets are the values written after a secret's label (`Wachtwoord:`) in any text part,
HTML part or the subject, quoted or not (mailbot.reader.parse.typed_secrets). They are then masked
wherever they occur, in any case: in every text and HTML part (after undoing the transfer
encoding and the charset, so base64 and quoted-printable soft line breaks hide nothing; in
HTML in the text a reader sees, so markup or an entity inside a secret hides nothing either)
and in every header. Where each secret stands in the bytes as typed, the bytes are masked in
place; else masked parts are written again as UTF-8 quoted-printable and the message is
written out anew, parts and headers without a secret as they were.

Finding the secrets in a text and starring them out is mailbot.reader.masker's.
"""

from __future__ import annotations

import base64
import binascii
import io
import itertools
import quopri
import re
from collections.abc import Iterator
from email import message_from_bytes
from email.charset import QP, Charset
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.policy import Compat32, compat32
from typing import NamedTuple

from mailbot.reader import large
from mailbot.reader.charsets import decode_bytes, decode_words
from mailbot.reader.html import html_to_text
from mailbot.reader.lines import GENERATED_SECRET
from mailbot.reader.masker import Masker, mask_html, positions, starred
from mailbot.reader.message import walk
from mailbot.reader.parse import typed_secrets
from mailbot.reader.source import bounded_fields

_TEXT_TYPES = ("text/plain", "text/html")
class _Verbatim(Compat32):
    """Headers written as they came (folds and all): only a masked one is new."""

    def fold_binary(self, name: str, value: str) -> bytes:
        return f"{name}: {value}\r\n".encode("ascii", "surrogateescape")


_WIRE = _Verbatim(linesep="\r\n")
_BARE_LF = re.compile(rb"(?<!\r)\n")


MAX_SECRETS = 32  # values looked for everywhere; a mail with more is no one's real reply
MAX_SECRET_CHARS = 128  # of a value; a longer one is garbage, looked for by its beginning


class Typed(NamedTuple):
    """The secrets typed in a message, and the text of each part as decoded to find them
    (by the part's id: valid as long as that parsed message is)."""

    secrets: set[str]
    texts: dict[int, str]


def secrets_in(message: Message) -> Typed:
    """The secrets typed anywhere in the message (text and HTML parts, other parts read as
    text, such as a form saved as a .txt attachment, and the subject), the first
    `MAX_SECRETS` of them, each cut to `MAX_SECRET_CHARS`: what masking looks for."""
    found: dict[str, None] = {}
    texts: dict[int, str] = {}
    subject = [decode_words(str(message.get("subject", "")))]
    for text in itertools.chain(subject, (_visible(part, texts) for part in leaves(message))):
        for value in typed_secrets(text):
            if any(ch.isalnum() for ch in value):
                found[value[:MAX_SECRET_CHARS]] = None
        if len(found) >= MAX_SECRETS:
            break
    return Typed(set(list(found)[:MAX_SECRETS]), texts)


def masked_copy(
    raw: bytes, typed: Typed, parsed: Message | None = None, skeleton: Message | None = None
) -> bytes:
    """`raw` with every occurrence of the typed secrets masked. `parsed` is `raw` as the reader
    parsed it (and `typed` found), when that was all of it (changed here); `skeleton` is a
    large one as the reader parsed it, without its attachments' bodies (mailbot.reader.large).

    Where every secret stands in the bytes as it was typed (plain text, not base64, no soft
    line break inside it, no markup around it), the bytes are masked in place; else the
    message is written again, its masked parts encoded anew."""
    mask = Masker(typed.secrets)
    if parsed is not None and _written_plainly(parsed, mask, typed.texts):
        return _in_place(raw, mask)
    if (skeleton is not None and _written_plainly(skeleton, mask, typed.texts)
            and _bodies_plain(raw, mask)):
        return _in_place(raw, mask)
    message = parsed or message_from_bytes(bounded_fields(raw), policy=compat32)
    texts = typed.texts if parsed is not None else {}
    _mask_headers(message, mask)
    for part in leaves(message):
        # A part that names its charset is text whatever its type says (a .txt attachment).
        if part.get_content_type() in _TEXT_TYPES or part.get_content_charset():
            _mask_part(part, mask, texts)
        else:
            _mask_data(part, mask)
    for part in walk(message):  # text around the parts, which no client shows
        for side in ("preamble", "epilogue"):
            if isinstance(around := getattr(part, side), str):
                setattr(part, side, mask.text(around))
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False, maxheaderlen=0, policy=_WIRE).flatten(message)
    # Last, the bytes as they go out: a structure the parser read otherwise than a client
    # might (a boundary used twice) hides nothing that stands there as typed.
    return mask.data(_BARE_LF.sub(b"\r\n", out.getvalue()))


# A secret's label and the rest of its line.
_LINE = r"((?:wachtwoord|geheim)[* \t]{0,8}[:=][ \t]*)([^\r\n]*)"
_SECRET_LINE = re.compile(_LINE.encode(), re.IGNORECASE)
_SECRET_TEXT_LINE = re.compile(_LINE, re.IGNORECASE)


def mask_secret_lines(raw: bytes) -> bytes | None:
    """`raw` with the rest of every line after a secret's label masked, without reading the
    message (one that could not be read: quarantined); None when there is no such line.

    Only what is written plainly is found: not inside base64, nor split by a soft line
    break. The labels are found by a plain search first (a pattern that ignores case would
    be tried at every position of a 25 MB mail)."""
    lowered = raw.lower()
    spans = []
    for label in (b"wachtwoord", b"geheim"):
        for at in positions(lowered, label):
            line = _SECRET_LINE.match(raw, at)
            if line is not None and line.end(2) > line.start(2):
                spans.append(line.span(2))
    return starred(raw, spans) if spans else None


def leaves(message: Message) -> Iterator[Message]:
    """The leaf parts, attachments and forwarded messages included, however deep or many:
    what is masked is not bounded by what the reader reads (the worker's time limit is)."""
    return (part for part in walk(message) if not isinstance(part.get_payload(), list))


_LABEL = re.compile(r"wachtwoord|geheim", re.IGNORECASE)  # mailbot.reader.parse's secret labels


def _mask_data(part: Message, mask: Masker) -> None:
    """A part that is not text: secrets where they show as bytes, the encoding kept."""
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes) or (masked := mask.data(data)) == data:
        return
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding == "base64":
        part.set_payload(base64.encodebytes(masked).decode("ascii"))
    elif encoding == "quoted-printable":
        part.set_payload(quopri.encodestring(masked).decode("ascii"))
    else:
        part.set_payload(masked.decode("ascii", "surrogateescape"))


LABEL_WINDOW = 4096  # characters of markup after a label in which its value is written


def _written_plainly(message: Message, mask: Masker, texts: dict[int, str]) -> bool:
    """Whether masking the raw bytes where the secrets stand masks them all: every header
    and every part shows each as often written as read, no HTML part holds a secret or a
    label (markup may split a secret), and no base64 part holds one."""
    for _, value in message.raw_items():
        if len(mask.spans(decode_words(str(value)))) != len(mask.spans(str(value))):
            return False
    for part in leaves(message):
        text = _text_of(part, texts)
        encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
        textual = part.get_content_type() in _TEXT_TYPES or part.get_content_charset()
        if part.get_content_subtype() == "html":
            if _LABEL.search(text) or mask.spans(text):
                return False
        elif textual:
            found = len(mask.spans(text))
            if found and (encoding == "base64"
                          or found != len(mask.spans(str(part.get_payload())))):
                return False
        elif encoding == "base64":
            data = part.get_payload(decode=True)
            if isinstance(data, bytes) and mask.data(data) != data:
                return False
    return True


def _bodies_plain(raw: bytes, mask: Masker) -> bool:
    """Whether no body a large message's skeleton left out holds a secret in base64 or
    quoted-printable (where it stands plainly, masking the bytes finds it)."""
    left_out = large.left_out(raw)
    if left_out is None:
        return False
    for start, end, encoding in left_out:
        if encoding not in ("base64", "quoted-printable"):
            continue
        encoded = memoryview(raw)[start:end]
        decoded = (binascii.a2b_base64(encoded) if encoding == "base64"
                   else binascii.a2b_qp(encoded))
        if mask.data(decoded) != decoded:
            return False
    return True


def _in_place(raw: bytes, mask: Masker) -> bytes:
    """The secrets masked where they stand in the bytes, and the rest of their lines."""
    plain = mask.data(raw)
    return mask_secret_lines(plain) or plain


def _text_of(part: Message, texts: dict[int, str]) -> str:
    text = texts.get(id(part))
    if text is None:
        text = texts[id(part)] = _decoded(part)
    return text


def _visible(part: Message, texts: dict[int, str]) -> str:
    """The part's text as a reader sees it where a secret label appears in it (HTML: the
    markup from each label on, a window at a time, so that a label or a secret split by
    markup is found whole; windows that meet are read as one, so the work stays linear)."""
    text = _text_of(part, texts)
    found = [match.start() for match in _LABEL.finditer(text)]
    if not found:
        # No label, but maybe a secret of the bot's making alone on a line (mailbot.reader.lines).
        if not GENERATED_SECRET.search(text):
            return ""
        return html_to_text(text) if part.get_content_subtype() == "html" else text
    if part.get_content_subtype() != "html":
        return text
    windows: list[list[int]] = []
    for start in found:
        if windows and start <= windows[-1][1]:
            windows[-1][1] = start + LABEL_WINDOW
        else:
            windows.append([start, start + LABEL_WINDOW])
    return "\n".join(html_to_text(text[start:stop]) for start, stop in windows)


def _decoded(part: Message) -> str:
    data = part.get_payload(decode=True)
    return decode_bytes(data, part.get_content_charset()) if isinstance(data, bytes) else ""


def _mask_headers(message: Message, mask: Masker) -> None:
    """Mask secrets in every header, keeping each in its place. (Message.replace_header
    replaces the first of a name only; several Received or Thread-Topic lines may differ.)"""
    headers: list[tuple[str, str]] = []
    for name, value in message.raw_items():
        shown = decode_words(str(value))
        masked = mask.text(shown)
        if masked != shown:
            value = masked if masked.isascii() else Header(masked, "utf-8").encode()
        headers.append((name, value))
    message._headers = headers  # type: ignore[attr-defined]  # compat32's own list


def _mask_part(part: Message, mask: Masker, texts: dict[int, str]) -> None:
    text = _text_of(part, texts)
    if part.get_content_subtype() == "html":
        masked = mask_html(text, mask)
    else:  # and the rest of every secret's line, whatever is looked for elsewhere
        masked = _SECRET_TEXT_LINE.sub(lambda match: match[1] + "*" * len(match[2]),
                                       mask.text(text))
    if masked == text:
        return
    charset = Charset("utf-8")
    charset.body_encoding = QP  # readable in the archive, unlike base64
    del part["Content-Transfer-Encoding"]
    part.set_payload(masked, charset)


