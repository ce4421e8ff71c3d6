"""A raw message turned into what a person reads: headers, the readable body, fresh and quoted.

Hostile or broken input degrades (replacement characters, skipped parts) instead of raising,
and costs time linear in the mail: what lies beyond the reader's limits (mailbot.reader.limits)
is left unread, and the view says which limits it met.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from email import message_from_bytes
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import collapse_rfc2231_value, getaddresses
from itertools import islice

from mailbot.reader.charsets import INVISIBLE as _INVISIBLE
from mailbot.reader.charsets import decode_bytes, decode_words
from mailbot.reader.html import html_text
from mailbot.reader.limits import DEFAULT, Limits
from mailbot.reader.quotes import split, without_header
from mailbot.reader.source import parseable

ADDRESS_CHARS = 2000  # of a From field: a name and an address, or a few of them
_META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([\w.:-]+)", re.IGNORECASE)
_IDS = re.compile(r"<([^<>]*)>")
_FOLDING = re.compile(r"\r?\n")


@dataclass(frozen=True)
class MailView:
    """A raw message turned into what a person reads."""

    message_id: str | None
    sender: str | None
    sender_name: str
    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]
    headers: Mapping[str, tuple[str, ...]]  # lower-case names; a plain dict, so it can be pickled
    content_type: str
    text: str
    fresh: str
    quoted: str
    quoted_from: str = ""  # who the quote header names as the quoted message's writer
    older: str = ""  # what the quoted message quoted in turn, at any depth (a forward's forward)
    # The text of the mails forwarded as attachments (message/rfc822, an attached .eml), apart
    # from the note above them: the reading worker takes them in when the note holds no form.
    forwarded: str = ""
    cut: frozenset[str] = frozenset()  # the limits met (Limits field names): the rest is unread
    # Authentication-Results as they arrived (unfolded, no RFC 2047 decoding), top first.
    authentication_results: tuple[str, ...] = ()
    # The recipients a delivery report in the mail says failed (mailbot.reader.bounces).
    failed_recipients: tuple[str, ...] = ()
    # The questions the person names in the subject or their own text (mailbot.reader.asked).
    questions_asked: tuple[str, ...] = ()


@dataclass
class _Walk:
    """One reading's use of its limits, and the limits it met."""

    limits: Limits
    parts: int = 0
    cut: set[str] = field(default_factory=set)
    forwarded: list[str] = field(default_factory=list)  # forwarded mails' texts, in order


def read(raw: bytes, limits: Limits = DEFAULT) -> MailView:
    """Read a raw message as far as `limits` allow; never raises for what a mail holds."""
    return read_parsed(raw, limits)[0]


def read_parsed(raw: bytes, limits: Limits = DEFAULT) -> tuple[MailView, Message]:
    """The view of a raw message, and the parsed message it was read from (a large one
    without its attachments' bodies, mailbot.reader.large)."""
    walk = _Walk(limits)
    message = _parse(raw, walk)
    text = tidy(_text(message, 0, walk), walk)
    headers = _headers(message, walk)
    sender, sender_name = _sender(headers)
    ids = _ids(_first(headers, "message-id"))
    parts = split(text)
    view = MailView(
        message_id=ids[0] if ids else None,
        sender=sender,
        sender_name=sender_name,
        subject=" ".join(decode_words(_first(headers, "subject")).split()),
        in_reply_to=next(iter(_ids(_first(headers, "in-reply-to"))), None),
        references=_ids(_first(headers, "references")),
        headers={k: tuple(map(decode_words, v)) for k, v in headers.items()},
        content_type=message.get_content_type(),
        text=text,
        fresh=parts.fresh,
        quoted=parts.quoted,
        quoted_from=parts.quoted_from,
        older=parts.older,
        forwarded="\n\n".join(t for t in walk.forwarded if t),
        cut=frozenset(walk.cut),
        authentication_results=tuple(headers.get("authentication-results", ())),
    )
    return view, message


def with_forwarded(mail: MailView) -> MailView:
    """`mail` with its forwarded mails read as the person's own text below their note (the
    note's signature left out), and the forwarded mails' quotes as what was quoted."""
    if not mail.forwarded:
        return mail
    note, forwarded = split(mail.text), split(mail.forwarded)
    return replace(
        mail, text=f"{mail.text}\n\n{mail.forwarded}",
        fresh="\n\n".join(t for t in (note.fresh, forwarded.fresh) if t),
        quoted=forwarded.quoted or note.quoted,
        quoted_from=forwarded.quoted_from if forwarded.quoted else note.quoted_from,
        older=forwarded.older if forwarded.quoted else note.older,
    )


def _parse(raw: bytes, walk: _Walk) -> Message:
    """The parsed message; only its headers when the MIME structure is nested past what the
    stdlib parser can hold (its parse recurses once per level)."""
    source = parseable(raw, compat32)
    try:
        return message_from_bytes(source, policy=compat32)
    except RecursionError:
        walk.cut.add("depth")
        return BytesHeaderParser(policy=compat32).parsebytes(source)


# --- headers ----------------------------------------------------------------------------------


def _headers(message: Message, walk: _Walk) -> dict[str, list[str]]:
    """Raw header values (RFC 2047 still encoded), unfolded, 8-bit bytes decoded leniently;
    the first `limits.headers` fields (relays prepend theirs: the border host's stay in)."""
    headers: dict[str, list[str]] = {}
    if len(message) > walk.limits.headers:
        walk.cut.add("headers")
    for name, value in islice(message.raw_items(), walk.limits.headers):
        unfolded = str(value)
        if "\n" in unfolded:
            unfolded = _FOLDING.sub("", unfolded)
        raw = unfolded.encode("utf-8", "surrogateescape")  # the parser kept 8-bit bytes that way
        headers.setdefault(name.lower(), []).append(decode_bytes(raw, "utf-8"))
    return headers


def _first(headers: Mapping[str, list[str]], name: str) -> str:
    return headers.get(name, [""])[0]


def _sender(headers: Mapping[str, list[str]]) -> tuple[str | None, str]:
    """The From address (addr-spec) and its display name: the first valid address, and its
    name. A display name with an unquoted comma (`Jansen, Peter <p.jansen@x.nl>`, as some
    gateways write it) reads as pieces without an address around the one address: those
    pieces are its name again."""
    value = _first(headers, "from")[:ADDRESS_CHARS]
    try:
        pairs = [p for p in getaddresses([value]) if p[1]] if value else []
    except RecursionError:  # comments nested thousands deep
        return None, ""
    valid = [pair for pair in pairs if _usable(pair[1])]
    if not valid:
        return None, ""
    name, address = valid[0]
    if len(valid) == 1 and len(pairs) > 1 and not any("@" in a for _, a in pairs if a != address):
        name = ", ".join(n if a == address else (n or a) for n, a in pairs if n or a != address)
    return address, decode_words(name)


def _usable(address: str) -> bool:
    """An addr-spec with a local part and a domain; whitespace or a control character (NUL!)
    in it makes it no usable sender."""
    return "@" in address.strip("@") and not re.search(r"[\s\x00-\x1f\x7f]", address)


def _ids(value: str) -> tuple[str, ...]:
    """Message ids without angle brackets; bare ids are accepted from sloppy clients."""
    found = [m.strip() for m in _IDS.findall(value)] if "<" in value else value.split()
    return tuple(m for m in found if m)


def tidy(text: str, walk: _Walk | None = None) -> str:
    """LF line ends, no control or invisible characters, no trailing spaces, no outer blanks;
    with a `walk`, lines are cut to its line limit."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    lines = [line.rstrip() for line in text.split("\n")]
    if walk is not None:
        most = walk.limits.line_chars
        if any(len(line) > most for line in lines):
            walk.cut.add("line_chars")
            lines = [line[:most].rstrip() for line in lines]
    return "\n".join(lines).strip("\n")


# --- MIME -------------------------------------------------------------------------------------


def _text(part: Message, depth: int, walk: _Walk) -> str:
    """The readable text of one MIME part, attachments and non-text parts skipped."""
    walk.parts += 1
    if walk.parts > walk.limits.parts or depth > walk.limits.depth:
        walk.cut.add("parts" if walk.parts > walk.limits.parts else "depth")
        return ""
    ctype = part.get_content_type()
    if ctype.startswith("message/"):
        return ""
    if part.is_multipart():
        if ctype == "multipart/alternative":
            return _alternative(part, depth, walk)
        if ctype == "multipart/related":
            return next((t for t in _children_texts(part, depth, walk) if t.strip()), "")
        return _mixed(part, depth, walk)
    if ctype in ("text/plain", "text/html") and not _is_attachment(part):
        return _leaf(part, walk)
    return ""


def walk(message: Message) -> Iterator[Message]:
    """Every part of `message`, itself first, to any depth: without recursion, so a structure
    nested as deep as the parser could hold is walked all the same."""
    stack = [message]
    while stack:
        part = stack.pop()
        yield part
        stack.extend(reversed(_children(part)))


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _children_texts(part: Message, depth: int, walk: _Walk) -> list[str]:
    return [tidy(_text(child, depth + 1, walk), walk) for child in _children(part)]


def _alternative(part: Message, depth: int, walk: _Walk) -> str:
    """Plain text unless it is missing or a stub of the HTML version."""
    plain, rich = "", ""
    for child in _children(part):
        if child.get_content_type() == "text/plain" and not plain:
            plain = tidy(_text(child, depth + 1, walk), walk)
        elif child.get_content_type() == "text/html" or child.is_multipart():
            rich = tidy(_text(child, depth + 1, walk), walk) or rich
    return rich if _is_stub(plain, rich) else plain


def _is_stub(plain: str, rich: str) -> bool:
    plain_size, rich_size = len("".join(plain.split())), len("".join(rich.split()))
    return plain_size == 0 or plain_size * 5 < rich_size * 2


def _mixed(part: Message, depth: int, walk: _Walk) -> str:
    """Inline text parts in order; a forwarded mail (message/rfc822, an attached .eml) is
    kept apart in `walk.forwarded`, and a delivery report's returned message left out."""
    texts: list[str] = []
    report = part.get_content_type() == "multipart/report"
    for child in _children(part):
        if _is_forward(child):
            if not report:
                _forward(child, depth, walk)
        else:
            texts.append(tidy(_text(child, depth + 1, walk), walk))
    return "\n".join(t for t in texts if t)


def _is_forward(part: Message) -> bool:
    """A forwarded mail: message/rfc822, an .eml file, or an Outlook .msg item a gateway
    turned into text (a binary .msg item stays unread: it needs a reader of its own)."""
    return (part.get_content_type() == "message/rfc822" or _named(part, ".eml")
            or _is_msg_text(part))


def _named(part: Message, extension: str) -> bool:
    return (part.get_filename() or "").strip().lower().endswith(extension)


def _is_msg_text(part: Message) -> bool:
    return _named(part, ".msg") and part.get_content_maintype() == "text"


def _forward(part: Message, depth: int, walk: _Walk) -> None:
    """The forwarded mail's text into `walk.forwarded`, at its place before the mails it
    forwarded in turn."""
    walk.parts += 1
    if walk.parts > walk.limits.parts:
        walk.cut.add("parts")
        return
    place = len(walk.forwarded)
    walk.forwarded.append("")
    inner: list[Message] = []
    if _is_msg_text(part):
        # An .msg item as text: its own header lines first, then the reply and its quote.
        walk.forwarded[place] = without_header(tidy(_leaf(part, walk), walk))
        return
    if part.get_content_type() == "message/rfc822":
        inner = _children(part)
    else:  # an .eml file: the mail is the attachment's body
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            inner = [_parse(_bounded(data, walk), walk)]
    walk.forwarded[place] = "\n\n".join(tidy(_text(m, depth + 2, walk), walk) for m in inner)


def _bounded(data: bytes, walk: _Walk) -> bytes:
    if len(data) > walk.limits.part_bytes:
        walk.cut.add("part_bytes")
        return data[:walk.limits.part_bytes]
    return data


def _is_attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment" or part.get_filename() is not None


def _leaf(part: Message, walk: _Walk) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    if len(data) > walk.limits.part_bytes:
        walk.cut.add("part_bytes")
        data = _whole_characters(data[:walk.limits.part_bytes])
    charset = part.get_content_charset()
    if part.get_content_subtype() == "html":
        sniffed = _META_CHARSET.search(data[:4096])
        declared = charset or (sniffed.group(1).decode("ascii") if sniffed else None)
        text, too_deep = html_text(decode_bytes(data, declared), walk.limits.depth)
        if too_deep:
            walk.cut.add("depth")
        return text
    text = decode_bytes(data, charset).replace("\r\n", "\n").replace("\r", "\n")
    if _param(part, "format") == "flowed":
        text = unflow(text, delete_space=_param(part, "delsp") == "yes")
    return text


def _whole_characters(data: bytes) -> bytes:
    """`data` cut short without the bytes of a UTF-8 character it cut in two."""
    tail = len(data) - 1
    while tail > 0 and len(data) - tail < 4 and 0x80 <= data[tail] < 0xC0:
        tail -= 1
    return data[:tail] if data and data[tail] >= 0xC0 else data


def _param(part: Message, name: str) -> str:
    value = part.get_param(name)
    if isinstance(value, tuple):
        value = collapse_rfc2231_value(value)
    return str(value or "").strip().lower()


def unflow(text: str, delete_space: bool = False) -> str:
    """RFC 3676 format=flowed: join soft breaks, undo space-stuffing, '>' depth as '> '."""
    out: list[str] = []
    depth, paragraph = 0, list[str]()  # the flowed lines of the paragraph being joined
    for line in text.split("\n"):
        level = len(line) - len(line.lstrip(">"))
        content = line[level:]
        content = content[1:] if content.startswith(" ") else content
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delete_space:
            content = content[:-1]
        if paragraph and level != depth:
            out.append("> " * depth + "".join(paragraph))
            paragraph = []
        depth = level
        paragraph.append(content)
        if not flowed:
            out.append("> " * depth + "".join(paragraph))
            paragraph = []
    if paragraph:
        out.append("> " * depth + "".join(paragraph))
    return "\n".join(out)
