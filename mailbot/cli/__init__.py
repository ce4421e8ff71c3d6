"""The admin's command line: a thin shell over plain functions, one module per group."""

from __future__ import annotations

import logging
import sys

import typer

from mailbot.cli import admin, data, mailbox

app = typer.Typer(help="mailbot: het Monitoringsysteem Huisverbod per e-mail.",
                  no_args_is_help=True, add_completion=False)
for module in (mailbox, admin, data):
    module.register(app)


def main() -> None:
    """Entry point of the `mailbot` script and `python -m mailbot`."""
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter
    app()
