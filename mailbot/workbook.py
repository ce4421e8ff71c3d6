"""A small XLSX writer for the one workbook the daemon makes: the GEGEVENS overview.

openpyxl (and the numpy it loads) would stay in the daemon's memory, about 20 MB, from the
first GEGEVENS on; this writes the few parts Excel and LibreOffice need with the standard
library: one sheet, a bold header row that stays in view, text as inline strings, whole
numbers as numbers. Text that a spreadsheet would take for a formula when someone edits the
cell is marked to stay text (Excel's leading `'`), as in every other file the bot writes.
The reports and the admin export, written outside the daemon, use openpyxl.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from mailbot import formulas

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_XF = 'numFmtId="0" fontId="0" fillId="0" borderId="0"'
_XF_BOLD = 'numFmtId="0" fontId="1" fillId="0" borderId="0"'
HEADER, TEXT = 1, 2  # cell styles (xl/styles.xml): bold; text kept text when edited

_STATIC = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPE}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/></Types>'),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PKG}"><Relationship Id="rId1" Type="{_REL}/worksheet" '
        f'Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{_REL}/styles" '
        'Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/>'
        '</font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
        'patternType="gray125"/></fill></fills><borders count="1"><border/></borders>'
        f'<cellStyleXfs count="1"><xf {_XF}/></cellStyleXfs><cellXfs count="3">'
        f'<xf {_XF} xfId="0"/><xf {_XF_BOLD} xfId="0" applyFont="1"/>'
        f'<xf {_XF} xfId="0" quotePrefix="1"/></cellXfs><cellStyles count="1"><cellStyle '
        'name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
}


def workbook(sheet: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The XLSX file's bytes: one sheet named `sheet`, the header row bold and frozen."""
    lines = [_row(1, header, HEADER)]
    lines += [_row(number, row) for number, row in enumerate(rows, start=2)]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, xml in _STATIC.items():
            package.writestr(name, _declared(xml))
        package.writestr("xl/workbook.xml", _declared(
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets><sheet name="{_text(sheet[:31])}"'
            ' sheetId="1" r:id="rId1"/></sheets></workbook>'))
        package.writestr("xl/worksheets/sheet1.xml", _declared(_worksheet(header, lines)))
    return out.getvalue()


def _worksheet(header: Sequence[str], lines: list[str]) -> str:
    widths = "".join(f'<col min="{i}" max="{i}" width="{max(10, min(40, len(t) + 2))}" '
                     'customWidth="1"/>' for i, t in enumerate(header, start=1))
    return (f'<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            f'</sheetView></sheetViews><cols>{widths}</cols><sheetData>{"".join(lines)}'
            '</sheetData></worksheet>')


def _row(number: int, values: Sequence[object], style: int = 0) -> str:
    cells = "".join(_cell(f"{_column(index)}{number}", value, style)
                    for index, value in enumerate(values) if value is not None)
    return f'<row r="{number}">{cells}</row>'


def _cell(ref: str, value: object, style: int) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if style == 0 and formulas.risky(value):
        style = TEXT
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t xml:space="preserve">{_text(value)}' \
           '</t></is></c>'


def _text(value: object) -> str:
    return escape(_NOT_XML.sub("", str(value)), {'"': "&quot;"})


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _declared(xml: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml
