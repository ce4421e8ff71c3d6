"""XLSX workbooks (openpyxl): one sheet per table, numbers stored as numbers.

Used by the report (published tables, withheld counts as the text `<5`) and by the admin
export (exact figures).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from mailbot.reports import cells, formulas
from mailbot.reports.cells import Kind, Table, plain
from mailbot.reports.suppress import Hidden

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS: dict[Kind, str] = {
    "count": "#,##0", "ratio": "0.00", "rate": "0.0", "percent": "0.0%",
    "change": "+0.0%;-0.0%;0.0%", "text": "@",
}
BOLD = Font(bold=True)


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
    book = Workbook(write_only=True)
    if created is not None:
        book.properties.created = created.replace(tzinfo=None)
    for sheet in sheets:
        _write(book.create_sheet(sheet.name[:31]), sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(ws: WriteOnlyWorksheet, sheet: Sheet) -> None:
    for index, title in enumerate(sheet.header):
        letter = _letter(index)
        # A write-only sheet has column widths too; its type information leaves them out.
        ws.column_dimensions[letter].width = max(10, min(40, len(title) + 2))  # type: ignore[attr-defined]
    if sheet.title:
        ws.freeze_panes = "A3"
        ws.append([_styled(ws, sheet.title, BOLD)])
    else:
        ws.freeze_panes = "A2"
    ws.append([_styled(ws, title, BOLD) for title in sheet.header])
    for row in sheet.rows:
        ws.append([_value(ws, value, sheet.kinds[i] if i < len(sheet.kinds) else None)
                   for i, value in enumerate(row)])
    if sheet.note:
        ws.append([])
        ws.append([sheet.note])


def _styled(ws: WriteOnlyWorksheet, value: str, font: Font) -> Cell:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = font
    return cell


def _value(ws: WriteOnlyWorksheet, value: object, kind: Kind | None) -> object:
    if formulas.risky(value):
        return _text(ws, value)
    if isinstance(value, Hidden):
        return str(value)
    if kind is None or kind == "text" or not isinstance(value, int | float):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.number_format = FORMATS[kind]
    return cell


def _text(ws: WriteOnlyWorksheet, value: object) -> Cell:
    """Text kept as it is, but stored as text (openpyxl makes "=..." a formula) and marked so
    that the spreadsheet keeps it text when someone edits the cell (Excel's leading `'`)."""
    cell = WriteOnlyCell(ws, value=str(value))  # only text is risky: this is the text itself
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def table_sheet(table: Table) -> Sheet:
    """A report table as a sheet named after its key."""
    kinds = [column.kind for column in table.columns]
    rows = [[value if isinstance(value, Hidden) else _exact(value, kind)
             for value, kind in zip(row, kinds, strict=True)] for row in table.rows]
    return Sheet(table.key, [c.title for c in table.columns], rows, kinds, table.title,
                 table.note)


def _exact(value: cells.Cell, kind: Kind) -> object:
    return plain(value, kind) if value is not None else None
