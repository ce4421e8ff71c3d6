"""Make docs/example-report/: the half-year report for synthetic figures, and the two mails.

Every municipality of data/gemeenten_2025.csv and the ten police units submit over six half
years (2023-H1 … 2025-H2) through `submissions.store`, in a throw-away SQLite database; then
the report of 2025-H2 is written, and `reports.deliver` queues the analysts' mail and the
feedback, of which the text of one of each is kept.

    python scripts/make_example_report.py [--out docs/example-report]
"""

from __future__ import annotations

import argparse
import email
import sys
import tempfile
import time
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mailbot.config import Settings
from mailbot.dates.periods import Period
from mailbot.outbound.render import Renderer
from mailbot.reports import build, deliver, synthetic, write
from mailbot.store import db, orgs
from mailbot.store.models import Reply

PERIOD = Period(2025, 2)
PERIODS = tuple(Period(year, half) for year in (2023, 2024, 2025) for half in (1, 2))
NOW = datetime(2026, 2, 16, 9, 0, tzinfo=UTC)  # after the 2025-H2 round's deadline
EXAMPLE_ORG = "Utrecht"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/example-report"))
    out = parser.parse_args().out
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as directory:
        engine = db.make_engine(f"sqlite:///{directory}/voorbeeld.db")
        db.init(engine)
        with db.session_scope(engine) as session:
            synthetic.populate(session, NOW, synthetic.Plan(PERIODS))
            orgs.add_address(session, NOW, EXAMPLE_ORG, "huisverbod@utrecht.example")
        with Session(engine) as session:
            paths = write(build(session, PERIOD, NOW), out, Renderer())
        paths += keep_mails(engine, out)
        engine.dispose()
    for path in paths:
        print(f"{path}  {path.stat().st_size:>8} bytes")
    total = sum(path.stat().st_size for path in paths)
    print(f"{len(paths)} files, {total // 1024} kB, in {time.perf_counter() - started:.1f} s")


def keep_mails(engine: Engine, out: Path) -> list[Path]:
    """Deliver, then keep the text of the analysts' mail and of one municipality's feedback."""
    settings = Settings(database_url="sqlite://", report_addresses=["analist@voorbeeld.example"])
    with db.session_scope(engine) as session:
        deliver(session, settings, Renderer(), NOW, PERIOD)
    written = []
    with Session(engine) as session:
        for kind, name in (("report", "mail-rapportage.txt"), ("feedback", "mail-feedback.txt")):
            reply = session.exec(select(Reply).where(Reply.kind == kind)
                                 .order_by(col(Reply.id))).one()
            message = email.message_from_bytes(reply.raw, policy=policy.default)
            assert isinstance(message, EmailMessage)
            body = message.get_body(("plain",))
            assert body is not None
            text = f"Onderwerp: {message['Subject']}\n\n{body.get_content()}"
            (out / name).write_text(text, encoding="utf-8")
            written.append(out / name)
            page = message.get_body(("html",))
            if kind == "feedback" and page is not None:  # the report's HTML is report.html
                written.append(out / name.replace(".txt", ".html"))
                written[-1].write_text(page.get_content(), encoding="utf-8")
    return written


if __name__ == "__main__":
    main()
