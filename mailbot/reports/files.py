"""Writing a report to a directory: report.html, report.xlsx, a CSV per table, the PNG charts."""

from __future__ import annotations

from pathlib import Path

from mailbot.admin.progress import Progress
from mailbot.outbound.render import Renderer
from mailbot.reports import html, xlsx
from mailbot.reports.cells import Table, plain
from mailbot.reports.export import to_csv
from mailbot.reports.report import Report

HTML_NAME = "report.html"
XLSX_NAME = "report.xlsx"


def csv_name(table: Table) -> str:
    """`report-landelijk.csv` for the table `landelijk`."""
    return f"report-{table.key}.csv"


def csv_text(table: Table) -> str:
    """A table as CSV: the column titles, then the rows; `<5` stays text, numbers are plain."""
    kinds = [column.kind for column in table.columns]
    rows = [tuple(plain(value, kind) for value, kind in zip(row, kinds, strict=True))
            for row in table.rows]
    return to_csv([column.title for column in table.columns], rows)


def workbook(report: Report) -> bytes:
    """report.xlsx: one sheet per table."""
    sheets = [xlsx.table_sheet(table) for table in report.tables.values()]
    return xlsx.workbook(sheets, created=report.generated_at)


def write(report: Report, out: Path, renderer: Renderer,
          progress: Progress | None = None) -> list[Path]:
    """Write every file of the report into `out` (created when missing); a step per file."""
    progress = progress or Progress()
    progress.start(2 + len(report.tables) + len(report.charts))
    out.mkdir(parents=True, exist_ok=True)
    written = [out / HTML_NAME, out / XLSX_NAME]
    written[0].write_text(html.render(report, renderer), encoding="utf-8")
    progress.advance()
    written[1].write_bytes(workbook(report))
    progress.advance()
    for table in report.tables.values():
        path = out / csv_name(table)
        path.write_text(csv_text(table), encoding="utf-8")
        written.append(path)
        progress.advance()
    for name, png in report.charts.items():
        (out / name).write_bytes(png)
        written.append(out / name)
        progress.advance()
    return written
