"""Getting the figures in and out: org import, export, report."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from mailbot import importer, progress
from mailbot.cli import common
from mailbot.cli.admin import org_app
from mailbot.config import Settings
from mailbot.export import FORMATS, Selection
from mailbot.export import export as export_figures
from mailbot.forms import KINDS


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the main app (and `import` to `mailbot org`)."""
    app.command()(export)
    app.command()(report)
    org_app.command("import")(org_import)


def export(
    period: Annotated[str | None, typer.Option(help="only this period, e.g. 2026-H1")] = None,
    format: Annotated[str, typer.Option("--format", help="csv, xlsx or json")] = "csv",
    wide: Annotated[bool, typer.Option(help="one row per organisation and period")] = False,
    history: Annotated[bool, typer.Option(help="every revision, not only the current")] = False,
    kind: Annotated[str | None, typer.Option(help="only gemeente or politie")] = None,
    out: Annotated[Path | None, typer.Option(help="write to this file instead of stdout")] = None,
) -> None:
    """Export the stored figures, exactly: one row per answer, or with --wide per organisation.

    Example: mailbot export --period 2026-H1 --format xlsx --wide --kind gemeente --out h1.xlsx
    """
    if format not in FORMATS:
        common.fail(f"onbekend formaat {format!r}; kies uit {', '.join(FORMATS)}")
    if format == "xlsx" and out is None:
        common.fail("een xlsx-bestand kan niet naar het scherm; geef --out BESTAND")
    if kind is not None and kind not in KINDS:
        common.fail(f"onbekende soort {kind!r}; kies uit {', '.join(KINDS)}")
    parsed = str(common.period(period)) if period else None
    selection = Selection(period=parsed, history=history, kind=kind, wide=wide)
    with progress.bar("Exporteren") as steps, common.session() as session:
        content = export_figures(session, selection, format, steps)
    if out is None:
        sys.stdout.write(content.decode("utf-8"))
    else:
        out.write_bytes(content)


def report(
    period: Annotated[str, typer.Option(help="the half year, e.g. 2026-H1")],
    out: Annotated[Path, typer.Option(help="the directory for the files")],
) -> None:
    """Write a period's report: report.html, report.xlsx, a CSV per table, PNG charts.

    Counts from 1 up to MAILBOT_REPORT_THRESHOLD - 1 are shown as <5 in the regional and
    municipal tables; the national totals are exact.

    Example: mailbot report --period 2026-H1 --out rapportage-2026-H1
    """
    from mailbot import reports
    from mailbot.render import Renderer

    parsed = common.period(period)
    started = time.perf_counter()
    # One bar for both: it pulses while the figures are computed, then counts the files.
    with progress.bar("Rapportage maken") as steps:
        with common.session() as session:
            settings = Settings()
            built = reports.build(session, parsed, common.now(), settings.report_threshold,
                                  min_response=settings.report_min_response)
        paths = reports.write(built, out, Renderer(), steps)
    for path in paths:
        common.echo(f"{path}  ({path.stat().st_size // 1024 or 1} kB)")
    summary = built.summary
    common.echo(f"Rapportage {parsed.dutch}: {summary.current.imposed} opgelegde huisverboden, "
                f"{summary.submitted} van {summary.invited} gemeenten ingezonden; "
                f"{len(paths)} bestanden in {time.perf_counter() - started:.1f} s")


def org_import(
    file: Annotated[Path, typer.Argument(help="CSV with gemeentenaam/gemeentecode/... columns")],
    kind: Annotated[str, typer.Option(help="gemeente or politie")] = "gemeente",
) -> None:
    """Create or update organisations from a CSV (name, CBS code, region, population).

    Columns as in data/gemeenten_2025.csv (gemeentecode, gemeentenaam, veiligheidsregio,
    inwoners_2024) or name,code,region,population. Matches on CBS code, then on name; never
    touches addresses or secrets. Running it again changes nothing.

    Example: mailbot org import data/gemeenten_2025.csv
    """
    if kind not in KINDS:
        common.fail(f"onbekende soort {kind!r}; kies uit {', '.join(KINDS)}")
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        common.fail(f"kan {file} niet lezen: {exc}")
        raise
    with progress.bar("Organisaties inlezen") as steps, common.session() as session:
        result = importer.apply(session, common.now(), importer.read(text), kind, steps)
    common.echo(f"Nieuw: {result.created}, bijgewerkt: {result.updated}, "
                f"ongewijzigd: {result.unchanged}")
