"""Split a reply into what this person wrote (fresh) and the message they answered (quoted).

Quote headers of the common clients in Dutch and English are recognised: attribution lines
("Op ... schreef ...:", "On ... wrote:"), separators ("-----Oorspronkelijk bericht-----"),
Outlook's Van:/Verzonden:/Aan:/Onderwerp: block, and '>' quoting with inline answers.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

# Attribution lines, matched against up to three joined lines (clients wrap long ones).
_ATTRIBUTION = re.compile(
    r"(?:on|am)\s.{4,250}\s(?:wrote|schrieb|writes)\s?:"
    r"|op\s.{4,250}\s(?:schreef|geschreven)\b.{0,200}:"
    r"|le\s.{4,250}\sa\s[ée]crit\s?:",
    re.IGNORECASE,
)
# How every _ATTRIBUTION shape begins: a line that does not begin so starts none of them.
_ATTRIBUTION_START = re.compile(r"(?:on|am|op|le)(?:\s|\Z)", re.IGNORECASE)
# Shapes only trusted on a single line: "Jan wrote:", "Jan schreef op 1-7-2026 09:00:".
_SHORT_ATTRIBUTION = re.compile(
    r"[^:>]{1,120}\s(?:wrote|schreef|schrieb)\s?:|[^:>]{1,80}\sschreef\sop\s.{4,80}:",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"\s*-{2,}\s*(?:original message|oorspronkelijk bericht|oorspronkelijke bericht|"
    r"origineel bericht|forwarded message|doorgestuurd bericht|reply message)\s*-{2,}.*"
    r"|\s*begin\s(?:forwarded message|doorgestuurd bericht)\s?:\s*",
    re.IGNORECASE,
)
_RULE = re.compile(r"\s*(?:_{10,}|-{10,})\s*")
_HEADER_LABELS = {
    "from": "from", "van": "from", "sent": "date", "verzonden": "date", "date": "date",
    "datum": "date", "to": "to", "aan": "to", "cc": "cc", "bcc": "cc", "kopie": "cc",
    "subject": "subject", "onderwerp": "subject", "reply-to": "cc",
}
_MAX_HEADER_BLOCK = 24  # lines: From, Sent, To, Cc, Subject, wrapped values, Importance ...
_HEADER_LINE = re.compile(
    r"\s*\*?(" + "|".join(_HEADER_LABELS) + r")\*?\s*:\*?(?:\s|$)", re.IGNORECASE
)
# The first line of any quote header has a ':' in it (a short attribution, "Begin forwarded
# message:", every header line), or it begins as a separator or rule ('-', '_') or as an
# attribution wrapped before its ':'. Other lines (most) need not be tried against the above.
_HEADER_START = re.compile(r"\s*(?:[-_]|(?:on|am|op|le)(?:\s|\Z))", re.IGNORECASE)
_SIGNATURE = re.compile(r"--\s*")  # "-- " after trailing spaces were stripped
_MOBILE_FOOTER = re.compile(
    r"\s*(?:(?:sent|verzonden|verstuurd|gesendet)\s+(?:from|vanaf|vanuit|via|with|met|von)"
    r"\s+\S.{0,60}"
    r"|(?:get|download|downloaden)?\s*outlook\s+(?:for|voor)\s+(?:ios|android)\b.{0,60})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Split:
    """A reply cut in two: the person's own words and the first message they quoted.

    `quoted_from` is who wrote the quoted message as its quote header names them: the value of
    the `Van:`/`From:` line, or the whole attribution line ("Op ... schreef X <x@y>:"); empty
    when the quote has no header. `older` is what was quoted beyond that first message (the
    messages it quoted in turn, a forward's forward), every level's quote marks removed.
    """

    fresh: str
    quoted: str
    quoted_from: str = ""
    older: str = ""


def split(text: str) -> Split:
    """Cut `text` at the first quote header; keep inline answers typed between '>' lines."""
    lines = text.split("\n")
    fresh: list[str] = []
    quoted: list[str] = []
    header: list[str] = []
    older: list[str] = []
    in_signature = marked = False
    i = 0
    while i < len(lines):
        if _is_quoted(lines[i]):
            end = _quote_end(lines, i)
            quoted.extend(_unquote_block(lines[i:end]))
            in_signature, marked, i = False, True, end
            continue
        kind, size = _quote_header(lines, i)
        if kind == "attribution" and _is_quoted(_next_filled(lines, i + size)):
            header = header or lines[i:i + size]
            i += size
            continue
        if kind:
            if quoted:
                older = lines[i:]
            else:
                header, quoted, older = _first_message(lines[i:], nested=False)
            break
        if _SIGNATURE.fullmatch(lines[i]) or _MOBILE_FOOTER.fullmatch(lines[i]):
            in_signature = True
        elif not in_signature:
            fresh.append(lines[i])
        i += 1
    if marked:
        inner, quoted, deeper = _first_message(quoted, nested=True)
        header, older = header + inner, deeper + older
    return Split(fresh=_tidy(fresh), quoted=_tidy(quoted), quoted_from=_author(header),
                 older=_tidy([line.lstrip(" \t>") for line in older]))


def without_header(text: str) -> str:
    """`text` without the header lines it begins with (`Van:`/`Verzonden:`/`Aan:` ...), as a
    mail converted to text begins; unchanged when it begins otherwise."""
    lines = text.split("\n")
    size = _header_block(lines, 0)
    return "\n".join(lines[size:]).strip("\n") if size else text


def _is_quoted(line: str) -> bool:
    return line.lstrip(" ").startswith(">")


def _next_filled(lines: list[str], start: int) -> str:
    return next((line for line in lines[start:] if line.strip()), "")


def _quote_end(lines: list[str], start: int) -> int:
    """End of a '>' block: blank lines and wrapped-quote continuations stay inside."""
    last = start
    for j in range(start, len(lines)):
        if _is_quoted(lines[j]) or (lines[j].strip() and _is_wrap(lines, j)):
            last = j
        elif lines[j].strip():
            break
    return last + 1


def _is_wrap(lines: list[str], j: int) -> bool:
    """A long quoted line broken by the client's wrapping, not an answer typed in between."""
    before, after = lines[j - 1], lines[j + 1] if j + 1 < len(lines) else ""
    return (_is_quoted(before) and _is_quoted(after) and len(before) >= 72
            and not before.rstrip().endswith(":"))


def _unquote_block(block: list[str]) -> list[str]:
    out: list[str] = []
    for line in block:
        if _is_quoted(line):
            text = line.lstrip(" ")[1:]  # without the indent and the '>'
            out.append(text[1:] if text.startswith(" ") else text)
        elif line.strip() and out:
            out[-1] = f"{out[-1]} {line.strip()}"
        else:
            out.append(line)
    return out


def _quote_header(lines: list[str], i: int) -> tuple[str, int]:
    """('attribution' | 'block', number of lines) when a quote header starts at line i."""
    if ":" not in lines[i] and not _HEADER_START.match(lines[i]):
        return "", 0
    size = _attribution(lines, i)
    if size:
        return "attribution", size
    if _SEPARATOR.fullmatch(lines[i]):
        return "block", 1 + _following_block(lines, i + 1)
    if _RULE.fullmatch(lines[i]):
        block = _following_block(lines, i + 1)
        return ("block", 1 + block) if block else ("", 0)
    size = _header_block(lines, i)
    return ("block", size) if size else ("", 0)


def _attribution(lines: list[str], i: int) -> int:
    first = lines[i].strip()
    # A short shape ends in ':', a long one starts as _ATTRIBUTION_START says: most lines are
    # neither, and are not joined with the next ones to be tried.
    if first.endswith(":") and _SHORT_ATTRIBUTION.fullmatch(first):
        return 1
    if not _ATTRIBUTION_START.match(first):
        return 0
    joined = ""
    for size in (1, 2, 3):
        if i + size > len(lines) or not lines[i + size - 1].strip():
            return 0
        joined = f"{joined} {lines[i + size - 1].strip()}".strip()
        if _ATTRIBUTION.fullmatch(joined):
            return size
    return 0


def _following_block(lines: list[str], start: int) -> int:
    """Size of an Outlook header block after a separator, counting up to two blank lines."""
    j = start
    while j < len(lines) and j - start < 2 and not lines[j].strip():
        j += 1
    size = _header_block(lines, j) if j < len(lines) else 0
    return j - start + size if size else 0


def _header_block(lines: list[str], start: int) -> int:
    """Lines in a Van:/Verzonden:/Aan:/Onderwerp: block at `start`; 0 when there is none.

    A wrapped header value may continue on a following line; the block ends at a blank line
    or right after the subject (new Outlook puts the body directly below it).
    """
    kinds: set[str] = set()
    end = j = start
    last = ""
    # A block holds each header once (Cc and Bcc aside), and no more lines than any client
    # writes: a run of header-like lines is not scanned again from each of its lines.
    while j < len(lines) and j - end <= 2 and j - start < _MAX_HEADER_BLOCK:
        match = _HEADER_LINE.match(lines[j])
        if match:
            last = _HEADER_LABELS[match.group(1).lower()]
            if last in kinds and last != "cc":
                break
            kinds.add(last)
            end = j + 1
        elif not lines[j].strip() or last == "subject" or not kinds:
            break
        j += 1
    return end - start if "from" in kinds and len(kinds) >= 2 else 0


def _first_message(
    lines: list[str], nested: bool
) -> tuple[list[str], list[str], list[str]]:
    """The quoted message's own header lines, its body up to the next quote header, and the
    lines of the older messages it quoted (from that header on, and deeper '>' lines).

    `nested`: the lines came from '>' quoting, where deeper '>' lines are older messages.
    """
    i = 0
    while i < len(lines):
        kind, size = _quote_header(lines, i)
        if kind or not lines[i].strip():
            i += max(size, 1)
        else:
            break
    body: list[str] = []
    older: list[str] = []
    for j in range(i, len(lines)):
        if _quote_header(lines, j)[0]:
            older += lines[j:]
            break
        (older if nested and _is_quoted(lines[j]) else body).append(lines[j])
    return lines[:i], textwrap.dedent("\n".join(body)).split("\n"), older


def _author(header: list[str]) -> str:
    """Who the quote header names as the writer: the `Van:`/`From:` value, else the
    attribution line itself; one line, spaces collapsed."""
    for line in header:
        match = _HEADER_LINE.match(line)
        if match and _HEADER_LABELS[match.group(1).lower()] == "from":
            return " ".join(line[match.end():].split())
    filled = [line for line in header if line.strip() and not _SEPARATOR.fullmatch(line)]
    return " ".join(" ".join(filled).split())


def _tidy(lines: list[str]) -> str:
    """Join lines, at most one blank line in a row, no white space at either end."""
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()
