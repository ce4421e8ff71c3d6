"""The report's charts as PNG bytes, drawn from the published tables (so never more exact).

Uses matplotlib's object API with the Agg canvas: no pyplot, no global state, no display.
"""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from mailbot.reports.cells import Cell, Table, dutch
from mailbot.reports.scope import NATIONAL
from mailbot.reports.suppress import Hidden

BLUE = "#154273"  # Rijkshuisstijl donkerblauw
LIGHT = "#8fcae7"
ORANGE = "#e17000"
DPI = 96
COLOURS = 64


def _png(figure: Figure) -> bytes:
    """The figure as a palette PNG: a quarter of the size, the same look for flat charts."""
    FigureCanvasAgg(figure)
    figure.tight_layout()
    drawn = io.BytesIO()
    figure.savefig(drawn, format="png", dpi=DPI, metadata={"Software": None})
    out = io.BytesIO()
    Image.open(drawn).convert("RGB").quantize(colors=COLOURS).save(out, format="PNG",
                                                                    optimize=True)
    return out.getvalue()


def _regional(table: Table) -> list[tuple[Cell, ...]]:
    """The region rows of a table (the national row left out), top region first on a chart."""
    return [row for row in table.rows if row[0] != NATIONAL][::-1]


def huisverboden_per_region(table: Table, period: str) -> bytes:
    """Horizontal bars: opgelegde huisverboden per region (from `kengetallen_regios`)."""
    rows = _regional(table)
    figure = Figure(figsize=(7.5, 0.26 * len(rows) + 1.2))
    axes = figure.add_subplot()
    values = [_number(row[1]) for row in rows]
    bars = axes.barh([str(row[0]) for row in rows], values, color=BLUE)
    for bar, row in zip(bars, rows, strict=True):
        label = dutch(row[1], "count") if isinstance(row[1], int | Hidden) else "–"
        axes.annotate(label, (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                      xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    axes.set_title(f"Opgelegde huisverboden per veiligheidsregio, {period}", fontsize=10)
    axes.set_xlabel("aantal")
    _tidy(axes)
    return _png(figure)


def national_trend(table: Table) -> bytes:
    """Lines over all periods: opgelegd, verlengd, ingetrokken (from `trend`)."""
    figure = Figure(figsize=(7.5, 3.4))
    axes = figure.add_subplot()
    periods = [str(row[0]) for row in table.rows]
    for index, label, color in ((2, "opgelegd", BLUE), (3, "verlengd", LIGHT),
                                (4, "ingetrokken", ORANGE)):
        values = [_number(row[index]) for row in table.rows]
        axes.plot(periods, values, marker="o", label=label, color=color)
    axes.set_title("Huisverboden landelijk per halfjaar", fontsize=10)
    axes.set_ylim(bottom=0)
    axes.legend(fontsize=8, frameon=False)
    _tidy(axes)
    return _png(figure)


def response_per_region(table: Table, period: str) -> bytes:
    """Horizontal bars: share of invited municipalities that submitted (from `respons`)."""
    rows = [row for row in _regional(table) if row[0] != "Politie-eenheden"]
    figure = Figure(figsize=(7.5, 0.26 * len(rows) + 1.2))
    axes = figure.add_subplot()
    values = [_number(row[3]) * 100 for row in rows]
    axes.barh([str(row[0]) for row in rows], values, color=LIGHT, edgecolor=BLUE)
    axes.set_xlim(0, 100)
    axes.set_xlabel("% van de uitgenodigde gemeenten")
    axes.set_title(f"Respons per veiligheidsregio, {period}", fontsize=10)
    _tidy(axes)
    return _png(figure)


def _number(cell: Cell) -> float:
    """A cell as a bar length or line point: withheld and empty cells draw as 0."""
    return float(cell) if isinstance(cell, int | float) else 0.0


def _tidy(axes: Axes) -> None:
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=7)


def draw_all(tables: dict[str, Table], period: str) -> dict[str, bytes]:
    """Every chart of the report, by file name."""
    return {
        "huisverboden_per_regio.png": huisverboden_per_region(tables["kengetallen_regios"],
                                                              period),
        "trend_landelijk.png": national_trend(tables["trend"]),
        "respons_per_regio.png": response_per_region(tables["respons"], period),
    }
