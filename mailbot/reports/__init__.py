"""Half-year reports: aggregation nationally and per region, tables, charts, files, delivery.

`figures` reads the current revisions, `tables` builds the published tables (with the
small-number rule of `suppress`), `charts` draws them, `html`/`xlsx`/`files` write them, and
`delivery` mails the report and each municipality's feedback once.

The public functions are imported on first use, so that importing this package (the CLI does)
does not load matplotlib.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailbot.reports.delivery import Delivery, deliver, feedback
    from mailbot.reports.files import write
    from mailbot.reports.report import Report, build

__all__ = ["Delivery", "Report", "build", "deliver", "feedback", "write"]

_HOMES = {"Delivery": "delivery", "deliver": "delivery", "feedback": "delivery",
          "write": "files", "Report": "report", "build": "report"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(name)
    return getattr(import_module(f"mailbot.reports.{_HOMES[name]}"), name)
