"""HTML to the text a person sees: paragraphs as lines, table rows as lines, quotes as '> '.

Linear in the markup: the tokenizer (`mailbot.reader.markup`) searches past each construct once,
and containers (quotes, tables, rows, cells) nest at most `max_depth` deep. Deeper ones are read
as plain block boundaries, so a quote closing re-renders a bounded number of levels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from mailbot.reader.markup import Text, text_of, tokens

MAX_DEPTH = 32  # open containers; Outlook's layout tables and a Gmail thread stay well below

_BLOCK_TAGS = frozenset({
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
    "address", "center", "section", "article", "header", "footer", "nav", "aside", "main",
    "form", "fieldset", "figure", "caption", "body", "html",
})
# Content the reader never sees; <head> holds <title>, Outlook's <xml> and style sheets.
_HIDDEN_TAGS = frozenset({"head", "style", "script", "title", "template", "noscript", "xml"})
# Tags that open a frame of their own (see _Converter._open).
_CONTAINERS = frozenset({"td", "th", "tr", "table", "blockquote"})
_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # not \xa0: a non-breaking space is content
# Outlook renders <hr> in its plain-text twin as this line, so the splitter knows one shape.
_RULE = "_" * 32


@dataclass
class _Frame:
    """An open container whose text is built apart: the document, a quote, a table row or cell.

    The line being written is kept in pieces, joined when it ends: text added to one long
    line (markup without a single break) costs its own length, not the line's again."""

    kind: str
    lines: list[str] = field(default_factory=list)  # the finished lines
    cells: list[str] = field(default_factory=list)
    pieces: list[str] = field(default_factory=list)  # the line being written
    filled: bool = False  # the line being written holds more than spaces

    def write(self, text: str) -> None:
        if not self.pieces or self.pieces[-1].endswith(" "):
            text = text.lstrip(" ")
        if text:
            self.pieces.append(text)
            self.filled = self.filled or bool(text.strip(" "))

    def write_verbatim(self, text: str) -> None:
        """Preformatted text: its line breaks are lines, its spaces stay."""
        first, *rest = text.split("\n")
        self.pieces.append(first)
        self.filled = self.filled or bool(first.strip(" "))
        for line in rest:
            self._end_line()
            self.pieces.append(line)
            self.filled = bool(line.strip(" "))

    def soft_break(self) -> None:
        """End the current line unless it is already empty (block boundaries)."""
        if self.filled:
            self._end_line()

    def hard_break(self) -> None:
        """Always start a new line (<br>): two in a row give a blank line."""
        self._end_line()

    def add_lines(self, lines: list[str]) -> None:
        self.soft_break()
        self.pieces = []  # spaces only, if anything
        self.lines.extend(lines)
        self.filled = False

    def _end_line(self) -> None:
        self.lines.append("".join(self.pieces).rstrip(" "))
        self.pieces, self.filled = [], False

    def text(self) -> str:
        current = "".join(self.pieces).rstrip(" ")
        return "\n".join([*(line.rstrip(" ") for line in self.lines), current]).strip("\n")


class _Converter:
    """Streams HTML into nested frames; closing a frame renders it into its parent."""

    def __init__(self, max_depth: int) -> None:
        self.max_depth = max_depth
        self.too_deep = False  # containers were nested past max_depth
        self.frames = [_Frame("root")]
        self.hidden = 0
        self.pre = 0
        self.quote_flags: list[bool] = []
        self.lists: list[int | None] = []  # per open list: next number (<ol>) or None (<ul>)

    # --- parser callbacks -------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden += 1
        elif tag == "body":
            self.hidden = 0  # an unclosed <head> must not hide the message
        if self.hidden:
            return
        self._open(tag, dict(attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
            return
        if not self.hidden:
            self._shut(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.hidden and tag not in _HIDDEN_TAGS:
            self._open(tag, dict(attrs))

    def handle_data(self, data: str) -> None:
        if self.hidden:
            return
        if self.pre:
            self.block.write_verbatim(data)
        else:
            self.block.write(_SPACES.sub(" ", data))

    def feed(self, markup: str) -> None:
        for token in tokens(markup):
            if isinstance(token, Text):
                self.handle_data(text_of(markup, token))
            elif token.end:
                self.handle_endtag(token.name)
            elif token.closed:
                self.handle_startendtag(token.name, list(token.attrs))
            else:
                self.handle_starttag(token.name, list(token.attrs))

    # --- structure ----------------------------------------------------------------------
    @property
    def block(self) -> _Frame:
        return next(f for f in reversed(self.frames) if f.kind in ("root", "quote", "cell"))

    def _open(self, tag: str, attrs: dict[str, str | None]) -> None:
        if len(self.frames) >= self.max_depth and tag in _CONTAINERS:
            self._too_deep(tag)
        elif tag in ("td", "th"):
            self._open_cell()
        elif tag == "tr":
            self._pop_while("cell", "row")
            self.frames.append(_Frame("row"))
        elif tag == "table":
            self.block.soft_break()
            self.frames.append(_Frame("table"))
        elif tag == "blockquote":
            self._open_quote(attrs)
        elif tag in ("ol", "ul", "li"):
            self._open_list(tag, attrs)
        else:
            self._open_line(tag)

    def _too_deep(self, tag: str) -> None:
        """A container past the depth limit: its text stays in the current block."""
        self.too_deep = True
        if tag == "blockquote":
            self.quote_flags.append(False)
        self.block.soft_break()

    def _open_line(self, tag: str) -> None:
        if tag == "br":
            self.block.hard_break()
        elif tag == "hr":
            self.block.add_lines([_RULE])
        elif tag == "pre":
            self.block.soft_break()
            self.pre += 1
        elif tag in _BLOCK_TAGS:
            self.block.soft_break()

    def _shut(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._close("cell")
        elif tag == "tr":
            self._pop_while("cell")
            self._close("row")
        elif tag == "table":
            self._close("table")
        elif tag == "blockquote":
            if self.quote_flags and self.quote_flags.pop():
                self._close("quote")
            self.block.soft_break()
        elif tag in ("ol", "ul"):
            if self.lists:
                self.lists.pop()
            self.block.soft_break()
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
            self.block.soft_break()
        elif tag in _BLOCK_TAGS:
            self.block.soft_break()

    def _open_cell(self) -> None:
        self._pop_while("cell")
        if self.frames[-1].kind != "row":
            self.frames.append(_Frame("row"))
        self.frames.append(_Frame("cell"))

    def _open_quote(self, attrs: dict[str, str | None]) -> None:
        style = (attrs.get("style") or "").replace(" ", "").lower()
        cited = attrs.get("type") == "cite" or "gmail_quote" in (attrs.get("class") or "")
        # Gmail's "indent" button is a border-less <blockquote>: layout, not a quote.
        is_quote = cited or "border:none" not in style
        self.quote_flags.append(is_quote)
        self.block.soft_break()
        if is_quote:
            self.frames.append(_Frame("quote"))

    def _open_list(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.block.soft_break()
        if tag != "li":
            self.lists.append(_int(attrs.get("start")) if tag == "ol" else None)
        elif self.lists and self.lists[-1] is not None:
            number = self.lists[-1]
            self.lists[-1] = number + 1
            self.block.write(f"{number}. ")

    def _pop_while(self, *kinds: str) -> None:
        while len(self.frames) > 1 and self.frames[-1].kind in kinds:
            self._pop()

    def _close(self, kind: str) -> None:
        """Close the innermost `kind` frame and whatever was left open inside it."""
        if any(f.kind == kind for f in self.frames[1:]):
            while self.frames[-1].kind != kind:
                self._pop()
            self._pop()

    def _pop(self) -> None:
        frame = self.frames.pop()
        parent = self.frames[-1]
        if frame.kind == "cell" and parent.kind == "row":
            parent.cells.append(frame.text())
        elif frame.kind == "cell":
            self.block.add_lines(frame.text().split("\n"))
        elif frame.kind == "row":
            self.block.add_lines(_row_lines(frame.cells))
        elif frame.kind == "quote":
            quoted = frame.text()
            if quoted:
                self.block.add_lines([f"> {line}" if line else ">" for line in quoted.split("\n")])
        else:
            self.block.soft_break()

    def result(self) -> str:
        while len(self.frames) > 1:
            self._pop()
        return self.frames[0].text()


def _row_lines(cells: list[str]) -> list[str]:
    """A row of one-line cells is one line (label and value stay together); else cell by cell."""
    filled = [cell.strip() for cell in cells if cell.strip()]
    if all("\n" not in cell for cell in filled):
        return ["\t".join(filled)] if filled else []
    return [line for cell in filled for line in cell.split("\n")]


def _int(value: str | None) -> int:
    try:
        return int(value or 1)
    except ValueError:
        return 1


def html_to_text(markup: str, max_depth: int = MAX_DEPTH) -> str:
    """The visible text of an HTML body; non-breaking spaces are kept for the caller to tidy."""
    return html_text(markup, max_depth)[0]


def html_text(markup: str, max_depth: int = MAX_DEPTH) -> tuple[str, bool]:
    """The visible text, and whether containers were nested past `max_depth`."""
    converter = _Converter(max_depth)
    converter.feed(markup)
    return converter.result(), converter.too_deep
