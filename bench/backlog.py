"""mailbot's own pass over a backlog, in a process of its own so its peak RSS is mailbot's.

`python -m bench.backlog SPEC.json OUT.json`: builds the bot as `mailbot run --once` does (real
clock, logging to a file as the daemon logs to stdout), wraps the stages (`bench/stages.py`),
runs `run_pass` and writes the wall time, the stage times, the outcomes and the peak RSS.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bench.bare import cpu_seconds, peak_rss_mb
from bench.stages import Stopwatch, install, overhead_per_call
from mailbot.bot import Bot
from mailbot.config import Settings
from mailbot.daemon.memory import return_large_blocks
from mailbot.inbound.imap import Fetched, Mailbox
from mailbot.inbound.pipeline import run_pass
from mailbot.store.models import Inbound, Reply, Submission


def run(spec: dict[str, Any]) -> dict[str, Any]:
    logging.basicConfig(level=logging.INFO, filename=spec["log"], force=True,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings(**spec["settings"])
    return_large_blocks()  # as the daemon does at its start
    bot = Bot.from_settings(settings)
    engine = bot.engine
    watch = Stopwatch()
    missing = install(watch, engine)
    batches = _sample_memory()
    watch.reset()
    started, cpu = time.perf_counter(), cpu_seconds()
    report = run_pass(bot)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    watch.settle()
    peak = peak_rss_mb()
    result = {
        "messages": report.handled, "seconds": seconds, "cpu_seconds": cpu,
        "per_second": report.handled / seconds if seconds else 0.0,
        "outcomes": dict(sorted(report.outcomes.items())), "sent": report.sent,
        "stages": {stage: round(value, 6) for stage, value in watch.seconds.items()},
        "stages_beside": {stage: round(value, 6) for stage, value in watch.beside.items()},
        "calls": dict(watch.calls), "unwrapped": missing,
        "sql_statements": int(sum(count for count, _ in watch.statements.values())),
        "driver_calls": dict(watch.driver_calls),
        "top_statements": _top(watch.pipeline_statements, report.handled),
        "timer_overhead_seconds": sum(watch.calls.values()) * 2 * overhead_per_call(),
        "peak_rss_mb": peak, "memory_by_batch": batches,
        "peak_rss_before_big_mb": _before_big(batches),
        **_stored(engine),
    }
    engine.dispose()
    return result


def _top(statements: dict[str, list[float]], messages: int) -> list[dict[str, Any]]:
    """The statements that took the most time in the driver, with how often they ran."""
    ranked = sorted(statements.items(), key=lambda item: item[1][1], reverse=True)[:12]
    return [{"statement": text, "count": int(count), "per_message": count / max(1, messages),
             "seconds": round(seconds, 3)} for text, (count, seconds) in ranked]


def _memory() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    status = Path("/proc/self/status").read_text()
    found = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+)", status, re.M))
    return int(found.get("VmRSS", 0)) / 1024, int(found.get("VmHWM", 0)) / 1024


def _sample_memory() -> list[dict[str, float]]:
    """Memory at the start of every batch, with the largest message of the batch, so the cost
    of the 25 MB message stands apart from the steady state."""
    samples: list[dict[str, float]] = []
    fetch = Mailbox.fetch

    def sampled(self: Mailbox, uids: list[int], max_bytes: int | None = None) -> list[Fetched]:
        rss, hwm = _memory()
        batch = fetch(self, uids, max_bytes)
        largest = max((len(f.raw) for f in batch), default=0)
        samples.append({"rss_mb": rss, "hwm_mb": hwm, "largest_bytes": largest})
        return batch

    Mailbox.fetch = sampled  # type: ignore[method-assign]
    return samples


def _before_big(samples: list[dict[str, float]]) -> float | None:
    """Peak RSS before the batch holding the 25 MB message was fetched."""
    return next((s["hwm_mb"] for s in samples if s["largest_bytes"] > 20_000_000), None)


def _stored(engine: Any) -> dict[str, Any]:
    """What the pass left in the database, to check it did the work it was timed for."""
    with Session(engine) as session:
        by_outcome = dict(session.exec(
            select(Inbound.outcome, func.count()).group_by(Inbound.outcome)).all())
        replies = dict(session.exec(
            select(Reply.state, func.count()).group_by(Reply.state)).all())
        submissions = session.exec(select(func.count()).select_from(Submission)).one()
        big = session.exec(
            select(Inbound.outcome, Inbound.reason).where(col(Inbound.size) > 20_000_000)).first()
    return {
        "stored_outcomes": {str(k): v for k, v in sorted(by_outcome.items(), key=str)},
        "replies": replies, "submissions": submissions,
        "big_message": {"outcome": big[0], "reason": big[1]} if big else None,
    }


if __name__ == "__main__":
    result = run(json.loads(Path(sys.argv[1]).read_text()))
    Path(sys.argv[2]).write_text(json.dumps(result))
