"""FETCH data items: parsing the requested items and rendering one message."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailbot.demo._imap_store import Message
from mailbot.demo._imap_syntax import Atom, CommandBad, Token, format_internaldate, literal

_SIMPLE_ITEMS = frozenset(
    {"UID", "FLAGS", "RFC822.SIZE", "INTERNALDATE", "RFC822", "RFC822.HEADER", "RFC822.TEXT"}
)
_MACROS = {"FAST": ("FLAGS", "INTERNALDATE", "RFC822.SIZE")}
_BODY = re.compile(r"BODY(\.PEEK)?\[([^\]]*)\](?:<(\d+)(?:\.(\d+))?>)?")
_FIELDS = re.compile(r"HEADER\.FIELDS(\.NOT)? \(([^()]*)\)")


@dataclass(frozen=True)
class FetchItem:
    name: str
    section: str = ""
    peek: bool = True
    partial: tuple[int, int | None] | None = None

    @property
    def marks_seen(self) -> bool:
        """Reading the body without PEEK sets \\Seen (RFC 3501 6.4.5)."""
        return self.name in ("RFC822", "RFC822.TEXT") or (self.name == "BODY" and not self.peek)


def parse_items(token: Token) -> list[FetchItem]:
    names = token if isinstance(token, list) else [token]
    items: list[FetchItem] = []
    for name in names:
        if not isinstance(name, Atom):
            raise CommandBad("fetch items must be atoms")
        items.extend(_parse_item(name.upper()))
    if not items:
        raise CommandBad("no fetch items")
    return items


def _parse_item(text: str) -> list[FetchItem]:
    if text in _SIMPLE_ITEMS:
        return [FetchItem(text)]
    if text in _MACROS:
        return [FetchItem(name) for name in _MACROS[text]]
    match = _BODY.fullmatch(text)
    if match is None:
        raise CommandBad(f"unsupported fetch item {text}")
    section = " ".join(match[2].split())
    _check_section(section)
    partial = None
    if match[3] is not None:
        partial = (int(match[3]), int(match[4]) if match[4] is not None else None)
    return [FetchItem("BODY", section, peek=match[1] is not None, partial=partial)]


def _check_section(section: str) -> None:
    if section not in ("", "HEADER", "TEXT") and _FIELDS.fullmatch(section) is None:
        raise CommandBad(f"unsupported body section [{section}]")


def split_message(raw: bytes) -> tuple[bytes, bytes]:
    """Header (with its blank line) and body text."""
    ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := raw.find(sep)) >= 0]
    if not ends:
        return raw, b""
    cut = min(ends)
    return raw[:cut], raw[cut:]


def _header_fields(header: bytes, section: str) -> bytes:
    match = _FIELDS.fullmatch(section)
    assert match is not None  # checked when the item was parsed
    wanted = {name.upper().encode() for name in match[2].split()}
    keep_listed = match[1] is None
    kept: list[bytes] = []
    keeping = False
    for line in header.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):
            if keeping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().upper()
        keeping = bool(line.strip()) and (name in wanted) == keep_listed
        if keeping:
            kept.append(line)
    return b"".join(kept) + b"\r\n"


def _section_bytes(raw: bytes, section: str) -> bytes:
    if section == "":
        return raw
    header, text = split_message(raw)
    if section == "HEADER":
        return header
    if section == "TEXT":
        return text
    return _header_fields(header, section)


def _render_body(message: Message, item: FetchItem) -> bytes:
    data = _section_bytes(message.raw, item.section)
    label = f"BODY[{item.section}]"
    if item.partial is not None:
        start, length = item.partial
        data = data[start:] if length is None else data[start : start + length]
        label += f"<{start}>"
    return label.encode() + b" " + literal(data)


def _render_item(message: Message, item: FetchItem) -> bytes:
    if item.name == "BODY":
        return _render_body(message, item)
    header, text = split_message(message.raw)
    renderers = {
        "UID": lambda: b"%d" % message.uid,
        "FLAGS": lambda: render_flags(message.flags),
        "RFC822.SIZE": lambda: b"%d" % len(message.raw),
        "INTERNALDATE": lambda: format_internaldate(message.internaldate),
        "RFC822": lambda: literal(message.raw),
        "RFC822.HEADER": lambda: literal(header),
        "RFC822.TEXT": lambda: literal(text),
    }
    return item.name.encode() + b" " + renderers[item.name]()


def render_flags(flags: set[str]) -> bytes:
    return b"(" + " ".join(sorted(flags)).encode() + b")"


def render_fetch(seq: int, message: Message, items: list[FetchItem]) -> bytes:
    """One untagged FETCH response; literals make it span several lines."""
    parts = [_render_item(message, item) for item in items]
    return b"* %d FETCH (" % seq + b" ".join(parts) + b")\r\n"
