"""A copy of a message with every typed secret masked: no stored or filed mail keeps one.

The secrets are the values written after a secret's label (`Wachtwoord:`) in any text part,
HTML part or the subject, quoted or not (mailbot.parse.typed_secrets). They are then masked
wherever they occur, in any case: in every text and HTML part (after undoing the transfer
encoding and the charset, so base64 and quoted-printable soft line breaks hide nothing; in
HTML in the text a reader sees, so markup or an entity inside a secret hides nothing either)
and in every header. Masked parts are written again as UTF-8 quoted-printable, and the whole
message is written out again; parts and headers without a secret stay as they were.

A value shorter than `SHORT` characters is masked only as a whole word, so that a secret
typed as `ab` does not turn every `ab` of the mail into stars.
"""

from __future__ import annotations

import base64
import bisect
import html
import io
import quopri
import re
from collections.abc import Iterator
from email import message_from_bytes
from email.charset import QP, Charset
from email.generator import BytesGenerator
from email.header import Header
from email.message import Message
from email.policy import Compat32, compat32

from mailbot.mail.html import html_to_text
from mailbot.mail.markup import Text, tokens
from mailbot.mail.message import decode_bytes, decode_words
from mailbot.mail.source import bounded_fields
from mailbot.parse import typed_secrets

SHORT = 4
_TEXT_TYPES = ("text/plain", "text/html")
_ENTITY = re.compile(r"&(?:#[0-9]{1,8};?|#[xX][0-9a-fA-F]{1,8};?|[A-Za-z][A-Za-z0-9]{0,31};?)")
class _Verbatim(Compat32):
    """Headers written as they came (folds and all): only a masked one is new."""

    def fold_binary(self, name: str, value: str) -> bytes:
        return f"{name}: {value}\r\n".encode("ascii", "surrogateescape")


# How a file that is not declared as text may still hold it (Notepad writes UTF-16).
_BYTE_CODECS = ("utf-8", "latin-1", "utf-16-le", "utf-16-be")
_WIRE = _Verbatim(linesep="\r\n")
_BARE_LF = re.compile(rb"(?<!\r)\n")


def secrets_in(message: Message) -> set[str]:
    """Every secret typed anywhere in the message: text and HTML parts, other parts read as
    text (a form saved as a .txt attachment), and the subject."""
    found = typed_secrets(decode_words(str(message.get("subject", ""))))
    for part in leaves(message):
        found |= typed_secrets(_visible(part))
    return {value for value in found if any(ch.isalnum() for ch in value)}


def masked_copy(raw: bytes, secrets: set[str], parsed: Message | None = None) -> bytes:
    """`raw` written again with every occurrence of `secrets` masked. `parsed` is `raw` as
    the reader parsed it, when that was all of it (changed here)."""
    message = parsed or message_from_bytes(bounded_fields(raw), policy=compat32)
    mask = Masker(secrets)
    _mask_headers(message, mask)
    for part in leaves(message):
        # A part that names its charset is text whatever its type says (a .txt attachment).
        if part.get_content_type() in _TEXT_TYPES or part.get_content_charset():
            _mask_part(part, mask)
        else:
            _mask_data(part, mask)
    for part in parts(message):  # text around the parts, which no client shows
        for side in ("preamble", "epilogue"):
            if isinstance(around := getattr(part, side), str):
                setattr(part, side, mask.text(around))
    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False, maxheaderlen=0, policy=_WIRE).flatten(message)
    # Last, the bytes as they go out: a structure the parser read otherwise than a client
    # might (a boundary used twice) hides nothing that stands there as typed.
    return mask.data(_BARE_LF.sub(b"\r\n", out.getvalue()))


# A secret's label and the rest of its line, in the raw bytes as they came.
_SECRET_LINE = re.compile(rb"((?:wachtwoord|geheim)[*\s]{0,8}[:=])([^\r\n]*)", re.IGNORECASE)


def mask_secret_lines(raw: bytes) -> bytes | None:
    """`raw` with the rest of every line after a secret's label masked, without reading the
    message (one that could not be read: quarantined); None when there is no such line.

    Only what is written plainly is found: not inside base64, nor split by a soft line
    break."""
    masked = _SECRET_LINE.sub(lambda match: match[1] + b"*" * len(match[2]), raw)
    return None if masked == raw else masked


def parts(message: Message) -> Iterator[Message]:
    """Every part of the message, multiparts included, to any depth and however many: what is
    masked is not bounded by what the reader reads (the worker's time limit bounds it)."""
    stack = [message]
    while stack:
        part = stack.pop()
        yield part
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend(child for child in reversed(payload) if isinstance(child, Message))


def leaves(message: Message) -> Iterator[Message]:
    """The leaf parts, attachments and forwarded messages included."""
    return (part for part in parts(message) if not isinstance(part.get_payload(), list))


class Masker:
    """Masks a fixed set of secrets in texts, case-insensitively."""

    def __init__(self, secrets: set[str]) -> None:
        forms = {form for value in secrets for form in _forms(value)}
        alternatives = [
            re.escape(form) if len(form) >= SHORT else rf"(?<!\w){re.escape(form)}(?!\w)"
            for form in sorted(forms, key=len, reverse=True)
        ]
        self._pattern = re.compile("|".join(alternatives), re.IGNORECASE)
        encoded = {form.encode(codec, "ignore") for form in forms if len(form) >= SHORT
                   for codec in _BYTE_CODECS} - {b""}
        self._bytes = re.compile(b"|".join(map(re.escape, sorted(encoded, key=len, reverse=True))),
                                 re.IGNORECASE) if encoded else None

    def text(self, text: str) -> str:
        """`text` with every secret replaced by as many stars."""
        return self._pattern.sub(lambda match: "*" * len(match.group()), text)

    def data(self, data: bytes) -> bytes:
        """`data` with every secret of `SHORT` characters or more, in the byte forms a file
        holds text in, replaced by as many stars (shorter ones could be any bytes of a file)."""
        return self._bytes.sub(lambda match: b"*" * len(match.group()), data) if \
            self._bytes is not None else data

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Where the secrets are in `text`."""
        for match in self._pattern.finditer(text):
            yield match.span()


def _forms(value: str) -> set[str]:
    """The value as typed, and without the punctuation a sentence puts around it."""
    stripped = value.strip(".,;:!?\"'()[]<>")
    return {form for form in (value, stripped) if form}


_LABEL = re.compile(r"wachtwoord|geheim", re.IGNORECASE)  # mailbot.parse's secret labels


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


def _visible(part: Message) -> str:
    """The part's text as a reader sees it; empty when no secret label appears in it."""
    text = _decoded(part)
    if not _LABEL.search(text):
        return ""
    # HTML: the text a reader sees, so a label or a secret split by markup is found whole.
    return html_to_text(text) if part.get_content_subtype() == "html" else text


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


def _mask_part(part: Message, mask: Masker) -> None:
    text = _decoded(part)
    masked = mask_html(text, mask) if part.get_content_subtype() == "html" else mask.text(text)
    if masked == text:
        return
    charset = Charset("utf-8")
    charset.body_encoding = QP  # readable in the archive, unlike base64
    del part["Content-Transfer-Encoding"]
    part.set_payload(masked, charset)


def mask_html(markup: str, mask: Masker) -> str:
    """`markup` with every secret masked in the text a reader sees (across tags and entities)
    and in the markup itself (attributes)."""
    visible, starts, spans = _visible_map(markup)
    cut: list[tuple[int, int, int]] = []  # start and stop in the markup, stars in their place
    for begin, end in mask.spans(visible):
        first = bisect.bisect_right(starts, begin) - 1
        for segment in range(first, len(starts)):
            if starts[segment] >= end:
                break
            source_start, source_end, is_entity = spans[segment]
            if is_entity:  # as many stars as characters it shows
                shown = len(html.unescape(markup[source_start:source_end]))
                cut.append((source_start, source_end, shown))
            else:
                offset = starts[segment]
                start = source_start + max(begin - offset, 0)
                stop = source_start + min(end - offset, source_end - source_start)
                cut.append((start, stop, stop - start))
    return mask.text(_splice(markup, cut))


def _visible_map(markup: str) -> tuple[str, list[int], list[tuple[int, int, bool]]]:
    """The visible text, and per segment of it (a run of plain text, or one entity) where it
    starts in the visible text and where it lies in the markup."""
    pieces: list[str] = []
    starts: list[int] = []
    spans: list[tuple[int, int, bool]] = []
    length = 0
    for token in tokens(markup):
        if not isinstance(token, Text) or token.raw:
            continue
        position = token.start
        for entity in _ENTITY.finditer(markup, token.start, token.stop):
            for start, stop, is_entity in ((position, entity.start(), False),
                                           (entity.start(), entity.end(), True)):
                shown = html.unescape(markup[start:stop]) if is_entity else markup[start:stop]
                if shown:
                    pieces.append(shown)
                    starts.append(length)
                    spans.append((start, stop, is_entity))
                    length += len(shown)
            position = entity.end()
        if position < token.stop:
            pieces.append(markup[position:token.stop])
            starts.append(length)
            spans.append((position, token.stop, False))
            length += token.stop - position
    return "".join(pieces), starts, spans


def _splice(markup: str, cut: list[tuple[int, int, int]]) -> str:
    if not cut:
        return markup
    out: list[str] = []
    position = 0
    for start, stop, stars in sorted(cut):
        if start < position or stop <= start:
            continue  # within an entity masked already
        out += [markup[position:start], "*" * stars]
        position = stop
    out.append(markup[position:])
    return "".join(out)
