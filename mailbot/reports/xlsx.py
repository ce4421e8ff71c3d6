"""XLSX workbooks: one sheet per table, numbers stored as numbers, text kept text.

Every workbook the bot writes comes from here: the report (published tables, withheld counts as
the text `<5`), the admin export (exact figures) and the GEGEVENS overview the daemon mails.
XlsxWriter writes them: small and pure Python (about 2 MB in the daemon, where openpyxl would
bring numpy and some 20 MB). Text that a spreadsheet would take for a formula when someone
edits the cell is marked to stay text (Excel's leading `'`), as in every file the bot writes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import xlsxwriter

from mailbot.reports import cells, formulas
from mailbot.reports.cells import Kind, Table, plain
from mailbot.reports.suppress import Hidden

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS: dict[Kind, str] = {
    "count": "#,##0", "ratio": "0.00", "rate": "0.0", "percent": "0.0%",
    "change": "+0.0%;-0.0%;0.0%", "text": "@",
}
# Cells are written as what they are: never a formula, a link or a number read from text.
_AS_WRITTEN = {"strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False, "in_memory": True}


@dataclass(frozen=True)
class Sheet:
    """One sheet: an optional title line, a header, rows, and an optional note below."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    kinds: Sequence[Kind] = ()
    title: str = ""
    note: str = ""


def workbook(sheets: Iterable[Sheet], created: datetime | None = None) -> bytes:
    """The XLSX file's bytes."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, _AS_WRITTEN)
    if created is not None:
        book.set_properties({"created": created.replace(tzinfo=None)})
    styles = _Styles(book)
    for sheet in sheets:
        _write(book.add_worksheet(sheet.name[:31]), sheet, styles)
    book.close()
    return out.getvalue()


class _Styles:
    """The cell formats of one workbook (XlsxWriter makes them per workbook)."""

    def __init__(self, book: Any) -> None:
        self.bold = book.add_format({"bold": True})
        self.kept_text = book.add_format({"quote_prefix": True})
        self.numbers = {kind: book.add_format({"num_format": code})
                        for kind, code in FORMATS.items()}


def _write(page: Any, sheet: Sheet, styles: _Styles) -> None:
    for column, title in enumerate(sheet.header):
        page.set_column(column, column, max(10, min(40, len(title) + 2)))
    row = 0
    if sheet.title:
        page.write_string(row, 0, sheet.title, styles.bold)
        row += 1
    page.freeze_panes(row + 1, 0)
    for column, title in enumerate(sheet.header):
        page.write_string(row, column, title, styles.bold)
    for values in sheet.rows:
        row += 1
        for column, value in enumerate(values):
            kind = sheet.kinds[column] if column < len(sheet.kinds) else None
            _value(page, row, column, value, kind, styles)
    if sheet.note:
        page.write_string(row + 2, 0, sheet.note)


def _value(page: Any, row: int, column: int, value: object, kind: Kind | None,
           styles: _Styles) -> None:
    if value is None:
        return
    if formulas.risky(value):
        page.write_string(row, column, str(value), styles.kept_text)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        style = styles.numbers[kind] if kind is not None and kind != "text" else None
        page.write_number(row, column, value, style)
    else:
        page.write_string(row, column, str(value))


def table_sheet(table: Table) -> Sheet:
    """A report table as a sheet named after its key."""
    kinds = [column.kind for column in table.columns]
    rows = [[value if isinstance(value, Hidden) else _exact(value, kind)
             for value, kind in zip(row, kinds, strict=True)] for row in table.rows]
    return Sheet(table.key, [c.title for c in table.columns], rows, kinds, table.title,
                 table.note)


def _exact(value: cells.Cell, kind: Kind) -> object:
    return plain(value, kind) if value is not None else None
