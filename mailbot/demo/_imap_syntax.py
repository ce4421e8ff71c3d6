"""Wire syntax of the demo IMAP server: command lexing, sequence sets, dates, names."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import TypeAlias


class CommandBad(Exception):
    """The command is malformed or unsupported; answered with a tagged BAD."""


class CommandNo(Exception):
    """The command is well-formed but refused; answered with a tagged NO."""


@dataclass(frozen=True)
class Atom:
    """A bare word from the command line; kept apart from strings because
    IMAP gives atoms (flags, keywords) and strings different meanings."""

    value: str

    def upper(self) -> str:
        return self.value.upper()


Token: TypeAlias = Atom | bytes | list["Token"]

_ATOM_END = frozenset(b' ()"{\r\n')
_LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n")
_TAG = re.compile(rb"[!#$&',./0-9:;<=>?@A-Z^_`a-z|~-]+")


class _Lexer:
    """Splits one complete command (literals inlined as `{n}\\r\\n<bytes>`) into tokens."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def tokens(self) -> list[Token]:
        out: list[Token] = []
        while True:
            self._skip_spaces()
            if self.pos >= len(self.data):
                return out
            out.append(self._token())

    def _skip_spaces(self) -> None:
        while self.data[self.pos : self.pos + 1] == b" ":
            self.pos += 1

    def _token(self) -> Token:
        first = self.data[self.pos : self.pos + 1]
        if first == b"(":
            return self._list()
        if first == b'"':
            return self._quoted()
        if first == b"{":
            return self._literal()
        return self._atom()

    def _list(self) -> list[Token]:
        self.pos += 1
        items: list[Token] = []
        while True:
            self._skip_spaces()
            if self.pos >= len(self.data):
                raise CommandBad("unterminated parenthesized list")
            if self.data[self.pos] == ord(")"):
                self.pos += 1
                return items
            items.append(self._token())

    def _quoted(self) -> bytes:
        out = bytearray()
        self.pos += 1
        while self.pos < len(self.data):
            char = self.data[self.pos]
            if char == ord('"'):
                self.pos += 1
                return bytes(out)
            if char == ord("\\") and self.pos + 1 < len(self.data):
                self.pos += 1
                char = self.data[self.pos]
            elif char in (10, 13):
                break
            out.append(char)
            self.pos += 1
        raise CommandBad("unterminated quoted string")

    def _literal(self) -> bytes:
        match = _LITERAL.match(self.data, self.pos)
        if match is None:
            raise CommandBad("malformed literal")
        end = match.end() + int(match[1])
        if end > len(self.data):
            raise CommandBad("truncated literal")
        self.pos = end
        return self.data[match.end() : end]

    def _atom(self) -> Atom:
        # Brackets may hold spaces and parentheses, as in BODY[HEADER.FIELDS (FROM)].
        start, depth = self.pos, 0
        while self.pos < len(self.data):
            char = self.data[self.pos]
            if char in (10, 13) or (depth == 0 and char in _ATOM_END):
                break
            depth += {ord("["): 1, ord("]"): -1}.get(char, 0)
            self.pos += 1
        if self.pos == start:
            raise CommandBad(f"unexpected character {self.data[start:start + 1]!r}")
        return Atom(self.data[start : self.pos].decode("utf-8", "replace"))


def split_tag(line: bytes) -> tuple[str | None, bytes]:
    """Separate the tag; None when there is no usable tag (answered untagged)."""
    match = _TAG.match(line)
    if match is None or line[match.end() : match.end() + 1] != b" ":
        return None, line
    return match[0].decode("ascii"), line[match.end() + 1 :]


def tokenize(rest: bytes) -> list[Token]:
    if rest.endswith(b"\r\n"):
        rest = rest[:-2]
    elif rest.endswith(b"\n"):
        rest = rest[:-1]
    return _Lexer(rest).tokens()


def atom(token: Token) -> str:
    if not isinstance(token, Atom):
        raise CommandBad("expected an atom")
    return token.value


def astring(token: Token) -> str:
    """An atom or string argument (user names, mailbox names) as text."""
    if isinstance(token, Atom):
        return token.value
    if isinstance(token, bytes):
        return token.decode("utf-8", "replace")
    raise CommandBad("expected a string, got a list")


def quote(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'.encode()


def literal(data: bytes) -> bytes:
    return b"{%d}\r\n" % len(data) + data


class SeqSet:
    """A parsed sequence set such as `1:*`, `3,5,7:9` or `*`."""

    def __init__(self, text: str, largest: int) -> None:
        self._ranges: list[tuple[int, int]] = []
        for part in text.split(","):
            low_text, _, high_text = part.partition(":")
            low = _seq_number(low_text, largest)
            high = _seq_number(high_text, largest) if high_text else low
            self._ranges.append((min(low, high), max(low, high)))

    def __contains__(self, number: int) -> bool:
        return any(low <= number <= high for low, high in self._ranges)


def _seq_number(text: str, largest: int) -> int:
    if text == "*":
        return largest
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise CommandBad(f"invalid sequence number {text!r}")
    return int(text)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE_TIME = re.compile(
    r" ?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"
)
_DATE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")


def _month(name: str) -> int:
    try:
        return [m.upper() for m in _MONTHS].index(name.upper()) + 1
    except ValueError:
        raise CommandBad(f"invalid month {name!r}") from None


def format_internaldate(moment: datetime) -> bytes:
    # Built by hand because strftime's %b follows the process locale.
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    text = (
        f"{moment.day:02d}-{_MONTHS[moment.month - 1]}-{moment.year:04d} "
        f"{moment:%H:%M:%S} {sign}{minutes // 60:02d}{minutes % 60:02d}"
    )
    return quote(text)


def parse_internaldate(text: str) -> datetime:
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise CommandBad(f"invalid date-time {text!r}")
    day, month, year, hour, minute, second, sign, off_h, off_m = match.groups()
    offset = timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == "-" else 1)
    try:
        return datetime(
            int(year), _month(month), int(day), int(hour), int(minute), int(second),
            tzinfo=timezone(offset),
        )
    except ValueError as exc:
        raise CommandBad(str(exc)) from None


def parse_date(text: str) -> datetime:
    """A SEARCH date (`1-Feb-2024`) as midnight UTC."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise CommandBad(f"invalid date {text!r}")
    try:
        return datetime(int(match[3]), _month(match[2]), int(match[1]), tzinfo=UTC)
    except ValueError as exc:
        raise CommandBad(str(exc)) from None


def encode_mailbox(name: str) -> str:
    """Modified UTF-7 (RFC 3501 5.1.3), the form mailbox names take on the wire."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode()
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _decode_shift(match: re.Match[str]) -> str:
    body = match[1]
    if not body:
        return "&"
    padded = body.replace(",", "/") + "=" * (-len(body) % 4)
    try:
        return base64.b64decode(padded).decode("utf-16-be")
    except (binascii.Error, UnicodeDecodeError):
        return match[0]


def decode_mailbox(name: str) -> str:
    return re.sub(r"&([A-Za-z0-9+,]*)-", _decode_shift, name)
