"""report.html: one self-contained Dutch page; the charts are embedded as data: URIs."""

from __future__ import annotations

import base64
from itertools import groupby

from jinja2 import Environment

from mailbot.outbound.render import Renderer
from mailbot.reports.cells import Cell, Table, dutch
from mailbot.reports.report import Report
from mailbot.reports.suppress import Hidden

TEMPLATE = "report.html.j2"


def data_uri(png: bytes) -> str:
    """A PNG as a data: URI for an <img> that needs no other file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _environment(renderer: Renderer) -> Environment:
    """The mail templates' environment, with HTML escaping switched on."""
    return renderer.env.overlay(autoescape=True)


def _hidden(value: Cell) -> bool:
    return isinstance(value, Hidden)


def by_region(table: Table) -> list[tuple[str, list[tuple[Cell, ...]]]]:
    """The rows of a table whose first column is the region, one group per region."""
    return [(str(region), list(rows)) for region, rows in groupby(table.rows, key=lambda r: r[0])]


def render(report: Report, renderer: Renderer, mail: bool = False) -> str:
    """The report page as HTML text; `mail=True` gives the lighter version for a mail body
    (no images, which many mail clients block, and no per-municipality tables)."""
    template = _environment(renderer).get_template(TEMPLATE)
    return template.render(
        report=report, summary=report.summary, tables=report.tables,
        charts={name: data_uri(png) for name, png in report.charts.items()},
        municipalities=by_region(report.tables["gemeenten"]),
        generated=report.generated_at.strftime("%d-%m-%Y"),
        mail=mail, show=dutch, hidden=_hidden,
    )
