"""The questions of the form a person names in what they wrote: "wat bedoelt u met vraag 9?",
"vraag nr. 7a", "Vragen 3 en 4" (the first number only): what HELP answers first.

Read in the reading worker (mailbot.reader.reading), in time linear in the text: the pattern has no
two quantifiers over the same characters, and each is possessive.
"""

from __future__ import annotations

import re

# "vraag" or "vragen", blanks, an optional "nr."/"nummer", then a number with an optional
# letter (7a), not followed by another letter or digit (so "vraag 2026" is no question).
_NAMED = re.compile(
    r"\bvra(?:ag|gen)[ \t]++(?:(?:nr|nummer)\.?+[ \t]*+)?+(\d{1,2}+[a-z]?+)(?![\w])",
    re.IGNORECASE,
)
MAX_ASKED = 3  # a mail naming more asks about the form as a whole


def questions_asked(text: str) -> tuple[str, ...]:
    """The question keys named in `text`, in order, each once, at most `MAX_ASKED`."""
    found: dict[str, None] = {}
    for match in _NAMED.finditer(text):
        found[match.group(1).lower()] = None
        if len(found) >= MAX_ASKED:
            break
    return tuple(found)
