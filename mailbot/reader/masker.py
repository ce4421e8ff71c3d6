"""Finding a set of typed secrets in text, bytes and markup, and putting stars in their place.

Each secret is found with a plain search in the lower-cased text, one pass per secret: an
alternation of all of them in one pattern would be tried at every position of the text. A
value shorter than `SHORT` characters is masked only as a whole word, so that a secret typed as
`ab` does not turn every `ab` of a mail into stars.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterator
from typing import TypeVar

SHORT = 4
# How a file that is not declared as text may still hold it (Notepad writes UTF-16).
_BYTE_CODECS = ("utf-8", "latin-1", "utf-16-le", "utf-16-be")


_Text = TypeVar("_Text", str, bytes)


class Masker:
    """Masks a fixed set of secrets in texts, bytes and markup, case-insensitively."""

    def __init__(self, secrets: set[str]) -> None:
        forms = {form for value in secrets for form in _forms(value)}
        self._needles = sorted({form.lower() for form in forms}, key=len, reverse=True)
        alternatives = [
            re.escape(form) if len(form) >= SHORT else rf"(?<!\w){re.escape(form)}(?!\w)"
            for form in sorted(forms, key=len, reverse=True)
        ]
        self._pattern = re.compile("|".join(alternatives), re.IGNORECASE)
        encoded = {form.encode(codec, "ignore") for form in forms if len(form) >= SHORT
                   for codec in _BYTE_CODECS} - {b""}
        self._bytes = [needle.lower() for needle in sorted(encoded, key=len, reverse=True)]

    def text(self, text: str) -> str:
        """`text` with every secret replaced by as many stars."""
        return starred(text, self.spans(text))

    def data(self, data: bytes) -> bytes:
        """`data` with every secret of `SHORT` characters or more, in the byte forms a file
        holds text in, replaced by as many stars (shorter ones could be any bytes of a file)."""
        lowered = data.lower()
        found = [(at, at + len(needle)) for needle in self._bytes
                 for at in positions(lowered, needle)]
        return starred(data, found)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the secrets are in `text`."""
        lowered = text.lower()
        if len(lowered) != len(text):  # a letter that lower-cases to two: the pattern decides
            return [match.span() for match in self._pattern.finditer(text)]
        return [(at, at + len(needle)) for needle in self._needles
                for at in positions(lowered, needle)
                if len(needle) >= SHORT or _whole_word(text, at, at + len(needle))]


def positions(haystack: _Text, needle: _Text) -> Iterator[int]:
    at = haystack.find(needle)
    while at >= 0:
        yield at
        at = haystack.find(needle, at + 1)


def _whole_word(text: str, start: int, stop: int) -> bool:
    before, after = text[start - 1:start], text[stop:stop + 1]
    return not any(ch.isalnum() or ch == "_" for ch in before + after)


def starred(written: _Text, spans: list[tuple[int, int]]) -> _Text:
    """`written` with every span (overlapping or not) replaced by as many stars."""
    if not spans:
        return written
    star = "*" if isinstance(written, str) else b"*"
    out: list[_Text] = []
    position = 0
    for start, stop in sorted(spans):
        start = max(start, position)
        if stop > start:
            out += [written[position:start], star * (stop - start)]
            position = stop
    out.append(written[position:])
    return written[:0].join(out)


def _forms(value: str) -> set[str]:
    """The value as typed, and without the punctuation a sentence puts around it."""
    stripped = value.strip(".,;:!?\"'()[]<>")
    return {form for form in (value, stripped) if form}


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


# The markup as visible text and the rest: a tag (up to the next '<' or '>'), an entity, a run
# of text, or a lone '<' or '&'. Comments and scripts count as text here: masking a secret in
# them too does no harm, and no search ever runs past the next '<'.
_PIECES = re.compile(r"<[^<>]*+>|(&(?:#[0-9]{1,8};?|#[xX][0-9a-fA-F]{1,8};?"
                     r"|[A-Za-z][A-Za-z0-9]{0,31};?))|[^<&]++|[<&]")


def _visible_map(markup: str) -> tuple[str, list[int], list[tuple[int, int, bool]]]:
    """The visible text, and per segment of it (a run of plain text, or one entity) where it
    starts in the visible text and where it lies in the markup."""
    pieces: list[str] = []
    starts: list[int] = []
    spans: list[tuple[int, int, bool]] = []
    length = 0
    for match in _PIECES.finditer(markup):
        written = match.group()
        is_entity = match.group(1) is not None
        if written.startswith("<") and len(written) > 1:
            continue  # a tag
        shown = html.unescape(written) if is_entity else written
        pieces.append(shown)
        starts.append(length)
        spans.append((match.start(), match.end(), is_entity))
        length += len(shown)
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
