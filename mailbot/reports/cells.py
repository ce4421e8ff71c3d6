"""Tables as values: typed columns, cells that may be withheld, Dutch number formatting.

A table is built once and written four ways (HTML, XLSX, CSV, the feedback mail); the column
kind decides how a number looks in each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mailbot.reports.suppress import Hidden

Kind = Literal["text", "count", "ratio", "rate", "percent", "change"]
Cell = str | int | float | Hidden | None

DASH = "–"


@dataclass(frozen=True)
class Column:
    """A column title (Dutch) and what kind of value it holds."""

    title: str
    kind: Kind = "count"


@dataclass(frozen=True)
class Table:
    """One published table: `key` names its CSV file and XLSX sheet."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""

    @property
    def suppressed(self) -> bool:
        """True when the small-number rule withheld at least one cell."""
        return any(isinstance(cell, Hidden) for row in self.rows for cell in row)

    def column(self, title: str) -> list[Cell]:
        """The cells of one column, by its title."""
        index = [c.title for c in self.columns].index(title)
        return [row[index] for row in self.rows]

    def row(self, first: str) -> tuple[Cell, ...]:
        """The row whose first cell is `first` (KeyError when there is none)."""
        for row in self.rows:
            if row[0] == first:
                return row
        raise KeyError(first)


def _dutch_number(value: float, decimals: int) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def dutch(cell: Cell, kind: Kind) -> str:
    """A cell as a Dutch reader expects it: 1.234, 0,41, 12,5 %, +3,2 %."""
    if cell is None:
        return DASH
    if isinstance(cell, Hidden | str):
        return str(cell)
    if kind == "count":
        return _dutch_number(cell, 0)
    if kind == "ratio":
        return _dutch_number(cell, 2)
    if kind == "rate":
        return _dutch_number(cell, 1)
    if kind == "percent":
        return f"{_dutch_number(cell * 100, 1)} %"
    if kind == "change":
        sign = "+" if cell > 0 else ""
        return f"{sign}{_dutch_number(cell * 100, 1)} %"
    return str(cell)


def plain(cell: Cell, kind: Kind) -> str | int | float:
    """A cell for CSV: numbers with a decimal point and no thousands separator, `<5` as text."""
    if cell is None:
        return ""
    if isinstance(cell, Hidden):
        return str(cell)
    if isinstance(cell, float):
        return round(cell, 4)
    return cell
