"""Getting the figures out: export."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mailbot.cli import common
from mailbot.export import export_csv


def register(app: typer.Typer) -> None:
    """Add the commands of this module to the main app."""
    app.command()(export)


def export(
    period: Annotated[str | None, typer.Option(help="only this period, e.g. 2026-H1")] = None,
    format: Annotated[str, typer.Option("--format", help="csv")] = "csv",
    history: Annotated[bool, typer.Option(help="every revision, not only the current")] = False,
    out: Annotated[Path | None, typer.Option(help="write to this file instead of stdout")] = None,
) -> None:
    """Export the stored figures, one row per answer.

    Example: mailbot export --period 2026-H1 --format csv --out figures.csv
    """
    if format != "csv":
        common.fail(f"formaat {format!r} wordt (nog) niet ondersteund; gebruik csv")
    parsed = str(common.period(period)) if period else None
    with common.session() as session:
        text = export_csv(session, parsed, history)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
