"""The report's charts as PNG bytes, drawn from the published tables (so never more exact).

Uses matplotlib's object API with the Agg canvas: no pyplot, no global state, no display.
"""

from __future__ import annotations

import io
import math

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
# Sized for a phone: 5.2 inch is 500 px, shown about 370 px wide on a 390 px screen, where
# 9-point labels are still 9 px high (at 7.5 inch and 7 points they were about 3 px).
WIDTH = 5.2
LABEL = 9
TITLE = 10.5


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
    figure = Figure(figsize=(WIDTH, 0.3 * len(rows) + 1.4))
    axes = figure.add_subplot()
    values = [_number(row[1]) for row in rows]
    bars = axes.barh([str(row[0]) for row in rows], values, color=BLUE)
    for bar, row in zip(bars, rows, strict=True):
        axes.annotate(_bar_label(row[1]), (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                      xytext=(3, 0), textcoords="offset points", va="center",
                      fontsize=LABEL - 1)
    axes.set_title(f"Opgelegde huisverboden per veiligheidsregio,\n{period}", fontsize=TITLE)
    axes.set_xlabel("aantal")
    _tidy(axes)
    return _png(figure)


def national_trend(table: Table) -> bytes:
    """Lines over all periods: opgelegd, verlengd, ingetrokken (from `trend`)."""
    figure = Figure(figsize=(WIDTH, 3.6))
    axes = figure.add_subplot()
    periods = [str(row[0]) for row in table.rows]
    for index, label, color in ((2, "opgelegd", BLUE), (3, "verlengd", LIGHT),
                                (4, "ingetrokken", ORANGE)):
        # A withheld total is a gap in the line, not a drop to zero.
        values = [_number(row[index]) if isinstance(row[index], int | float) else math.nan
                  for row in table.rows]
        axes.plot(periods, values, marker="o", label=label, color=color)
    axes.set_title("Huisverboden landelijk per halfjaar", fontsize=TITLE)
    axes.set_ylim(bottom=0)
    axes.legend(fontsize=LABEL, frameon=False)
    if len(periods) > 6:  # seven or more half-year labels do not fit side by side
        axes.tick_params(axis="x", labelrotation=45)
    _tidy(axes)
    return _png(figure)


def response_per_region(table: Table, period: str) -> bytes:
    """Horizontal bars: share of invited municipalities that submitted (from `respons`)."""
    rows = [row for row in _regional(table) if row[0] != "Politie-eenheden"]
    figure = Figure(figsize=(WIDTH, 0.3 * len(rows) + 1.4))
    axes = figure.add_subplot()
    values = [_number(row[3]) * 100 for row in rows]
    axes.barh([str(row[0]) for row in rows], values, color=LIGHT, edgecolor=BLUE)
    axes.set_xlim(0, 100)
    axes.set_xlabel("% van de uitgenodigde gemeenten")
    axes.set_title(f"Respons per veiligheidsregio,\n{period}", fontsize=TITLE)
    _tidy(axes)
    return _png(figure)


def _bar_label(cell: Cell) -> str:
    """A bar's figure as the table shows it: 1.234, <5, x, or "geen gegevens"."""
    if isinstance(cell, int | Hidden):
        return dutch(cell, "count")
    return cell if isinstance(cell, str) else "–"


def _number(cell: Cell) -> float:
    """A cell as a bar length or line point: withheld and empty cells draw as 0."""
    return float(cell) if isinstance(cell, int | float) else 0.0


def _tidy(axes: Axes) -> None:
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=LABEL)
    axes.xaxis.label.set_fontsize(LABEL)


def draw_all(tables: dict[str, Table], period: str) -> dict[str, bytes]:
    """Every chart of the report, by file name."""
    return {
        "huisverboden_per_regio.png": huisverboden_per_region(tables["kengetallen_regios"],
                                                              period),
        "trend_landelijk.png": national_trend(tables["trend"]),
        "respons_per_regio.png": response_per_region(tables["respons"], period),
    }
