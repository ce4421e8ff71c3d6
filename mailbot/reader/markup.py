"""HTML cut into tags and text in one pass, each search done once: linear in the markup.

The standard library's `HTMLParser` searches to the end of the document again at every
unclosed `<!--`, `<a`, `</` or `<!`, which makes a run of them quadratic. Here a construct
that is not closed runs to the end of the document, as browsers read it (HTML5: a comment, a
tag or a bogus comment cut off by the end of the file swallows the rest), so every search
either moves past what it found or ends the pass.
"""

from __future__ import annotations

import html
import re
from collections.abc import Generator, Iterator
from typing import NamedTuple

# A start tag with its attributes; quoted values may hold '>'. Possessive: no backtracking.
_START_TAG = re.compile(r"""<([a-zA-Z][^\t\n\f\r />]*+)((?:[^>"']++|"[^"]*+"|'[^']*+')*+)>""")
_END_TAG = re.compile(r"</([a-zA-Z][^\t\n\f\r />]*+)[^>]*+>")
_ATTRIBUTE = re.compile(
    r"""([^\s/>"'=][^\s/>"'=]*+)(?:\s*+=\s*+("[^"]*+"|'[^']*+'|[^\s>"']++))?"""
)
# Elements whose content is text up to their own end tag, never markup.
_RAW_TEXT = ("script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes")
_RAW_END = {name: re.compile(rf"</{name}(?=[\s/>]|\Z)", re.IGNORECASE) for name in _RAW_TEXT}


class Tag(NamedTuple):
    """A start or end tag; `attrs` as HTMLParser gives them (names lower case, values decoded)."""

    name: str
    attrs: tuple[tuple[str, str | None], ...] = ()
    end: bool = False
    closed: bool = False  # written as <br/>


class Text(NamedTuple):
    """Text between tags as written (`start`, `stop` in the markup); `raw` text keeps its '&'."""

    start: int
    stop: int
    raw: bool = False


def tokens(markup: str) -> Iterator[Tag | Text]:
    """The tags and text runs of `markup` in order; comments and declarations are left out."""
    i, size = 0, len(markup)
    while i < size:
        j = markup.find("<", i)
        if j < 0:
            yield Text(i, size)
            return
        if j > i:
            yield Text(i, j)
        nxt = markup[j + 1:j + 2]
        if nxt.isascii() and nxt.isalpha():
            i = yield from _start_tag(markup, j)
        elif nxt == "/":
            i = yield from _end_tag(markup, j)
        elif nxt == "!":
            i = _skip_comment(markup, j)
        elif nxt == "?":
            i = _skip_to_close(markup, j + 2)
        else:  # a '<' that opens nothing is text
            yield Text(j, j + 1)
            i = j + 1
        if i < 0:  # a construct left open runs to the end of the document
            return


def _start_tag(markup: str, j: int) -> Generator[Tag | Text, None, int]:
    """Yield the start tag at `j` (and the raw text of a script or style); the position after
    it, or -1 when the tag is never closed."""
    match = _START_TAG.match(markup, j)
    if match is None:
        return -1
    name, inside = match[1].lower(), match[2]
    yield Tag(name, _attributes(inside), closed=inside.rstrip().endswith("/"))
    position = match.end()
    if name in _RAW_END:
        close = _RAW_END[name].search(markup, position)
        stop = close.start() if close else len(markup)
        if stop > position:
            yield Text(position, stop, raw=name != "title" and name != "textarea")
        position = stop
    return position


def _attributes(inside: str) -> tuple[tuple[str, str | None], ...]:
    if not inside or inside.isspace():
        return ()
    found: list[tuple[str, str | None]] = []
    for match in _ATTRIBUTE.finditer(inside.rstrip("/")):
        value = match[2]
        if value is not None:
            if value[:1] in "\"'" and len(value) >= 2:
                value = value[1:-1]
            value = html.unescape(value)
        found.append((match[1].lower(), value))
    return tuple(found)


def _end_tag(markup: str, j: int) -> Generator[Tag, None, int]:
    """Yield the end tag at `j`; the position after it (after an empty `</>` or a bogus
    comment `</...>` too), or -1 when it is never closed."""
    letter = markup[j + 2:j + 3]
    if not (letter.isascii() and letter.isalpha()):
        return _skip_to_close(markup, j + 2)
    match = _END_TAG.match(markup, j)
    if match is None:
        return -1
    yield Tag(match[1].lower(), end=True)
    return match.end()


def _skip_comment(markup: str, j: int) -> int:
    """Past `<!-- ... -->`, or past a declaration or marked section `<!...>`."""
    if not markup.startswith("<!--", j):
        return _skip_to_close(markup, j + 2)
    for empty in ("<!-->", "<!--->"):  # HTML5: these close at once
        if markup.startswith(empty, j):
            return j + len(empty)
    close = markup.find("-->", j + 4)
    return -1 if close < 0 else close + 3


def _skip_to_close(markup: str, start: int) -> int:
    close = markup.find(">", start)
    return -1 if close < 0 else close + 1


def text_of(markup: str, token: Text) -> str:
    """The characters a text run stands for: entities decoded, except in script and style."""
    written = markup[token.start:token.stop]
    return written if token.raw or "&" not in written else html.unescape(written)
