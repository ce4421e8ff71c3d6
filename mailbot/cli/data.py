"""Getting the figures in and out: org import, export, report."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from mailbot.admin import importer, progress
from mailbot.cli import common
from mailbot.cli.admin import org_app
from mailbot.config import Settings
from mailbot.forms import KINDS
from mailbot.reports.export import FORMATS, Selection
from mailbot.reports.export import export as export_figures


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the main app (and `import` to `mailbot org`)."""
    app.command()(export)
    app.command()(report)
    org_app.command("import")(org_import)


def export(
    period: Annotated[str | None, typer.Option(help="alleen deze periode, bv. 2026-H1")] = None,
    format: Annotated[str, typer.Option("--format", help="csv, xlsx of json")] = "csv",
    wide: Annotated[bool, typer.Option(help="één rij per organisatie en periode")] = False,
    history: Annotated[bool, typer.Option(help="elke versie, niet alleen de huidige")] = False,
    kind: Annotated[str | None, typer.Option(help="alleen gemeente of politie")] = None,
    out: Annotated[Path | None, typer.Option(help="naar dit bestand, niet naar het scherm")] = None,
) -> None:
    """Exporteer de opgeslagen cijfers, precies: één rij per antwoord, of met --wide per
    organisatie.

    Voorbeeld: mailbot export --period 2026-H1 --format xlsx --wide --kind gemeente --out h1.xlsx
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
    period: Annotated[str, typer.Option(help="het halfjaar, bijvoorbeeld 2026-H1")],
    out: Annotated[Path, typer.Option(help="de map voor de bestanden")],
) -> None:
    """Schrijf de rapportage van een periode: report.html, report.xlsx, een CSV per tabel en de
    grafieken als PNG.

    Aantallen van 1 tot MAILBOT_REPORT_THRESHOLD staan in de tabellen per regio en gemeente als
    <5; de landelijke totalen zijn precies.

    Voorbeeld: mailbot report --period 2026-H1 --out rapportage-2026-H1
    """
    from mailbot import reports
    from mailbot.outbound.render import Renderer

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
    file: Annotated[Path, typer.Argument(help="CSV met gemeentenaam, gemeentecode, ...")],
    kind: Annotated[str, typer.Option(help="gemeente of politie")] = "gemeente",
) -> None:
    """Maak of werk organisaties bij uit een CSV (naam, CBS-code, regio, inwoners).

    Kolommen als in data/gemeenten_2025.csv (gemeentecode, gemeentenaam, veiligheidsregio,
    inwoners_2024) of name,code,region,population. Zoekt eerst op CBS-code, dan op naam; laat
    e-mailadressen en wachtwoorden ongemoeid. Nog eens uitvoeren verandert niets.

    Voorbeeld: mailbot org import data/gemeenten_2025.csv
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
