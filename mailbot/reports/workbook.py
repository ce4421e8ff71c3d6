"""The one workbook the daemon makes: the GEGEVENS overview.

XlsxWriter writes it: small and pure Python, about 2 MB in the daemon, where openpyxl would
keep numpy (about 20 MB) from the first GEGEVENS on. One sheet, the header bold and in view,
whole numbers as numbers and the rest as text; text that a spreadsheet would take for a formula
when someone edits the cell is marked to stay text (Excel's leading `'`), as in every other file
the bot writes. The reports and the admin export, written outside the daemon, use openpyxl.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter

from mailbot.reports import formulas

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Cells are written as what they are: never a formula, a link or a number read from text.
_AS_WRITTEN = {"strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False, "in_memory": True}


def workbook(sheet: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The XLSX file's bytes: one sheet named `sheet`, the header row bold and frozen."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, _AS_WRITTEN)
    bold, kept_text = book.add_format({"bold": True}), book.add_format({"quote_prefix": True})
    page = book.add_worksheet(sheet[:31])
    page.freeze_panes(1, 0)
    for column, title in enumerate(header):
        page.set_column(column, column, max(10, min(40, len(title) + 2)))
        page.write_string(0, column, title, bold)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            _write(page, number, column, value, kept_text)
    book.close()
    return out.getvalue()


def _write(page: Any, row: int, column: int, value: object, kept_text: Any) -> None:
    if value is None:
        return
    if isinstance(value, int) and not isinstance(value, bool):
        page.write_number(row, column, value)
    elif formulas.risky(value):
        page.write_string(row, column, str(value), kept_text)
    else:
        page.write_string(row, column, str(value))
