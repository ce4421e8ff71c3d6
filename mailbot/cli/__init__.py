"""The admin's command line: a thin shell over plain functions, one module per group."""

from __future__ import annotations

import sys

from mailbot.cli import admin, common, data, mailbox, quarantine, rounds

app = common.group("mailbot: het Monitoringsysteem Huisverbod per e-mail.", add_completion=False)
for module in (mailbox, admin, data, rounds, quarantine):
    module.register(app)


def main() -> None:
    """Entry point of the `mailbot` script and `python -m mailbot`."""
    # Commands print their results on stdout (an export may be piped), so logs go to stderr;
    # `mailbot run` moves them to stdout, where journald and log shippers read a daemon.
    common.configure_logging(sys.stderr)
    app()
