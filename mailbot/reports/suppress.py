"""The small-number rule for published tables: counts from 1 to threshold-1 are withheld.

Zero is shown (nothing happened), and so is everything from the threshold up. A ratio is only
shown when both its counts would be shown: a ratio of small counts gives them away (1 of 2 is
0.50, and 0.10 of a published 20 is 2). The admin export is never suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass

SECONDARY = "x"


@dataclass(frozen=True)
class Hidden:
    """A count withheld under the small-number rule, shown as `<5` for threshold 5; or, with
    `secondary`, a larger total withheld because a `<5` could be worked out from it (`x`,
    mailbot.reports.disclosure)."""

    threshold: int
    secondary: bool = False

    def __str__(self) -> str:
        return SECONDARY if self.secondary else f"<{self.threshold}"


def withhold(value: int | None, threshold: int) -> Hidden | None:
    """A total withheld by secondary suppression: `<5` when it is small itself, else `x`."""
    if value is None:
        return None
    return Hidden(threshold, secondary=not 0 < value < threshold)


def suppress(value: int | None, threshold: int) -> int | Hidden | None:
    """The value as published: a Hidden for 1 … threshold-1, the value itself otherwise."""
    if value is None or threshold <= 1 or not 0 < value < threshold:
        return value
    return Hidden(threshold)


def ratio(numerator: int, denominator: int, threshold: int = 1) -> float | None:
    """numerator / denominator; None for a zero denominator or when either count is withheld."""
    if denominator <= 0 or isinstance(suppress(denominator, threshold), Hidden):
        return None
    if isinstance(suppress(numerator, threshold), Hidden):
        return None
    return numerator / denominator
