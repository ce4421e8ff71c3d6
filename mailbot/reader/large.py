"""A large message as the reader needs it: every header and text part, no attachment bodies.

The stdlib parser holds a message several times over while it reads it (the bytes decoded to
one string, that string split into lines, the lines of each part joined again): for a 25 MB
mail with a scanned PDF attached that is well over 100 MB, all for an attachment the reader
never looks at. `skeleton` finds the parts the way `email.feedparser` does (line ends CRLF, CR
or LF; a part ends at a line that is a boundary of any enclosing multipart; a header block ends
at a blank line or at the first line that is no header) and leaves out the body of every leaf
part the reader skips: not text/plain or text/html, or an attachment. The result is parsed by
the same stdlib parser: the same tree, the same headers and the same text parts, byte for byte;
only the skipped bodies are empty. The raw message itself is archived untouched.

When anything is unclear (nesting deeper than the reader goes, a boundary that is not ASCII)
the answer is None and the caller parses the whole message, as for a small one.
"""

from __future__ import annotations

import logging
import re
from email import policy as policies
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import Policy

LARGE = 1024 * 1024  # bytes: above this, the reader parses the skeleton
MAX_NESTING = 50  # deeper than the reader reads (MAX_DEPTH 40): parse it all, let that decide

# email.feedparser's own patterns, for bytes: a header or continuation line, and a line end.
_HEADER = re.compile(rb"From |[\041-\071\073-\176]*:|[\t ]")
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
# The leaf types mailbot.reader.message reads (its `_text`, `_is_attachment`): keep in step.
_READ = ("text/plain", "text/html")

log = logging.getLogger(__name__)


def readable(raw: bytes, policy: Policy = policies.compat32) -> bytes:
    """What the reader should parse with `policy`: `raw` itself, or for a large message its
    skeleton."""
    if len(raw) <= LARGE:
        return raw
    try:
        return skeleton(raw, policy) or raw
    except Exception:  # a saving, never a reason to lose a message: read it all instead
        log.warning("large message read in full: no skeleton", exc_info=True)
        return raw


def skeleton(raw: bytes, policy: Policy = policies.compat32) -> bytes | None:
    """`raw` without the bodies of the leaf parts a reader skips; None when unsure.

    `policy` is the one the result will be parsed with: the parts' headers are read with it,
    so every decision here is the one the parser makes."""
    scan = _Scan(raw, policy)
    try:
        scan.part(0, (), "text/plain", 0)
    except _Unsure:
        return None
    if not scan.drops:
        return raw
    kept, start = [], 0
    for begin, end, _ in scan.drops:
        kept.append(raw[start:begin])
        start = end
    kept.append(raw[start:])
    return b"".join(kept)


def left_out(raw: bytes, policy: Policy = policies.compat32) -> list[tuple[int, int, str]] | None:
    """The bodies `skeleton` leaves out of `raw`: (start, end, Content-Transfer-Encoding);
    None when it would parse the whole message."""
    if len(raw) <= LARGE:
        return None
    scan = _Scan(raw, policy)
    try:
        scan.part(0, (), "text/plain", 0)
    except _Unsure:
        return None
    return scan.drops


class _Unsure(Exception):
    """The structure is beyond what the skeleton is sure to copy: parse it all."""


class _Scan:
    """One pass over the raw bytes, recording the body ranges to leave out."""

    def __init__(self, raw: bytes, policy: Policy) -> None:
        self.raw = raw
        self._parser = BytesHeaderParser(policy=policy)
        # Bodies left out: where they start and end, and their Content-Transfer-Encoding.
        self.drops: list[tuple[int, int, str]] = []
        self._found: dict[bytes, int] = {}  # boundary -> its first delimiter line found so far

    def part(self, pos: int, stack: tuple[bytes, ...], default: str, depth: int) -> int:
        """Scan the part starting at `pos` inside multiparts with boundaries `stack`; the
        position where it ends (the enclosing boundary line, or the end)."""
        if depth > MAX_NESTING:
            raise _Unsure
        body, headers = self._headers(pos, stack)
        headers.set_default_type(default)
        ctype = headers.get_content_type()
        if ctype == "message/delivery-status" or (
            ctype.startswith("multipart/") and headers.get_boundary() is None
        ):
            return self._end(body, stack)
        if ctype.startswith("message/"):
            return self.part(body, stack, "text/plain", depth + 1)
        if ctype.startswith("multipart/"):
            inner = "message/rfc822" if ctype == "multipart/digest" else "text/plain"
            return self._multipart(body, stack, _boundary(headers), inner, depth)
        end = self._end(body, stack)
        if body < end and (ctype not in _READ or _is_attachment(headers)):
            encoding = str(headers.get("content-transfer-encoding", "")).strip().lower()
            self.drops.append((body, end, encoding))
        return end

    def _headers(self, pos: int, stack: tuple[bytes, ...]) -> tuple[int, Message]:
        """Where the body starts, and the part's headers parsed as the full parse does."""
        start = pos
        while pos < len(self.raw) and not self._at_delimiter(pos, stack):
            line = _LINE.match(self.raw, pos)
            assert line is not None  # any non-empty rest has a first line
            if not _HEADER.match(line.group()):
                # The blank line between headers and body is dropped; any other line that is
                # no header is the body's first line.
                headers = self._parser.parsebytes(self.raw[start:pos])
                return (line.end() if line.group() in (b"\r\n", b"\r", b"\n") else pos), headers
            pos = line.end()
        return pos, self._parser.parsebytes(self.raw[start:pos])

    def _multipart(self, pos: int, stack: tuple[bytes, ...], boundary: bytes, inner: str,
                   depth: int) -> int:
        """Preamble, the parts, epilogue: as email.feedparser walks them."""
        own = (*stack, boundary)
        while pos < len(self.raw):
            pos = self._end(pos, own)  # past the preamble, if any, to the next delimiter line
            if pos == len(self.raw) or self._at_delimiter(pos, stack):
                return pos  # the end of an enclosing part comes first
            line = _LINE.match(self.raw, pos)
            assert line is not None  # any non-empty rest has a first line
            pos = line.end()
            if line.group().startswith(b"--" + boundary + b"--"):
                return self._end(pos, stack)  # the close delimiter; the rest is epilogue
            # Delimiter lines that follow (of either form) make no parts: the part starts
            # after the last of them.
            while (pos < len(self.raw) and not self._at_delimiter(pos, stack)
                   and self._at_delimiter(pos, (boundary,))):
                # _LINE matches at every position (a line may be empty), so never None.
                pos = _LINE.match(self.raw, pos).end()  # type: ignore[union-attr]
            pos = self.part(pos, own, inner, depth + 1)
        return pos

    def _end(self, pos: int, stack: tuple[bytes, ...]) -> int:
        """The start of the first line at or after `pos` that is a delimiter in `stack`."""
        return min((self._next(pos, boundary) for boundary in stack), default=len(self.raw))

    def _next(self, pos: int, boundary: bytes) -> int:
        found = self._found.get(boundary, -1)
        if found >= pos:
            return found
        needle = b"--" + boundary
        at = self.raw.find(needle, pos)
        while at != -1 and not (self._line_start(at, pos) and _delimiter(boundary).match(
                self.raw, at)):
            at = self.raw.find(needle, at + 1)
        found = len(self.raw) if at == -1 else at
        self._found[boundary] = found
        return found

    def _line_start(self, at: int, pos: int) -> bool:
        return at == pos or self.raw[at - 1] in b"\r\n"

    def _at_delimiter(self, pos: int, stack: tuple[bytes, ...]) -> bool:
        return any(_delimiter(boundary).match(self.raw, pos) for boundary in stack)


_DELIMITERS: dict[bytes, re.Pattern[bytes]] = {}


def _delimiter(boundary: bytes) -> re.Pattern[bytes]:
    """A delimiter line of `boundary`, as email.feedparser recognises it."""
    pattern = _DELIMITERS.get(boundary)
    if pattern is None:
        pattern = re.compile(re.escape(b"--" + boundary) + rb"(?:--)?[ \t]*(?:\r\n|\r|\n|\Z)")
        if len(_DELIMITERS) < 256:
            _DELIMITERS[boundary] = pattern
    return pattern


def _boundary(headers: Message) -> bytes:
    boundary = headers.get_boundary()
    assert boundary is not None
    try:
        return boundary.encode("ascii")
    except UnicodeEncodeError:
        raise _Unsure from None


def _is_attachment(part: Message) -> bool:
    # As mailbot.reader.message decides it: such a part is never read, whatever its type.
    return part.get_content_disposition() == "attachment" or part.get_filename() is not None
