"""The benchmark's figures against its targets, as JSON and as a markdown table."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stages import GROUPS, STAGES

LABELS = {"sqlite": "SQLite (WAL)", "postgresql": "PostgreSQL"}
MIN_RATIO_TO_BARE = 0.60
MIN_PER_SECOND = 100.0
MAX_MEDIAN_S, MAX_P95_S = 1.0, 1.5
MAX_RSS_MB = 200.0
STAGE_LABELS = {
    "fetch": "fetch (IMAP, batched)", "archive": "archive (dedupe key, raw row)",
    "read": "read (MIME, text, quotes)", "classify": "classify", "parse": "parse (form)",
    "auth": "auth without argon2", "argon2": "argon2 (run here or waited for)",
    "orm": "database: ORM (SQLAlchemy, SQLModel)", "sql": "database: driver (SQL, COMMIT)",
    "render": "render (Jinja)",
    "queue": "queue (compose reply)", "send": "send (SMTP, up to 3 connections at once)",
    "move": "move (batched)", "other": "other (handlers, pipeline)",
}


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    memory = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model.group(1).strip() if model else platform.processor(),
        "ram_gb": round(int(memory.group(1)) / 1024**2, 1) if memory else None,
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "dovecot": _version(["/usr/sbin/dovecot", "--version"]).split(" (")[0],
        "postgresql": _postgres_version(),
    }


def source() -> dict[str, Any]:
    """Which mailbot was measured: the commit, and whether mailbot/ had uncommitted changes."""
    root = Path(__file__).parent.parent

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                                  timeout=10)
        except OSError:
            return ""
        return done.stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD"),
            "mailbot_uncommitted_files": len(git("status", "--porcelain", "mailbot").splitlines())}


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except OSError:
        return ""
    return done.stdout.strip()


def _postgres_version() -> str:
    from tests.servers.postgres import find_bin_dir

    found = find_bin_dir()
    if found is None:
        return ""
    version = re.search(r"\d+(\.\d+)+", _version([str(found / "postgres"), "--version"]))
    return version.group(0) if version else ""


def assemble(args: argparse.Namespace, mix: dict[str, int], lmtp: int, filled: int,
             results: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The result document: parameters, machine, raw figures, derived figures and targets."""
    databases = {kind: _derive(results[kind], results["raw_limit"]) for kind in args.databases}
    result = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"), "machine": machine(), "source": source(),
        "parameters": {"n": args.n, "orgs": args.orgs, "latency_mails": args.latency,
                       "databases": args.databases, "big_message": not args.no_big},
        "mix": mix, "lmtp_bounces": lmtp, "backlog_messages": filled,
        "raw_limit": results["raw_limit"], "databases": databases, "latency": results["latency"],
        "total_seconds": round(seconds, 1), "load_average_after": os.getloadavg(),
    }
    result["targets"] = targets(result)
    return result


def _derive(measured: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    bot, bare = measured["mailbot"], measured["bare"]
    stages = {stage: bot["stages"].get(stage, 0.0) for stage in STAGES}
    argon2 = stages["argon2"]
    messages = bot["messages"] or 1
    return {
        **measured,
        "per_second": bot["per_second"],
        "ratio_to_bare": bot["per_second"] / bare["per_second"],
        "ratio_to_raw": bot["per_second"] / raw["per_second"],
        "per_second_without_argon2": bot["messages"] / (bot["seconds"] - argon2),
        # `seconds` on the pipeline's thread (run or waited for); `beside_seconds` on the
        # read-ahead's workers.
        "argon2": {"count": bot["calls"].get("argon2", 0), "seconds": argon2,
                   "beside_seconds": bot.get("stages_beside", {}).get("argon2", 0.0)},
        "beside_seconds": sum(bot.get("stages_beside", {}).values()),
        "stage_ms_per_message": {s: 1000 * v / messages for s, v in stages.items()},
        "stage_share": {s: v / bot["seconds"] for s, v in stages.items()},
        "group_share": {g: sum(stages[s] for s in parts) / bot["seconds"]
                        for g, parts in GROUPS.items()},
        "dominant_stage": max(GROUPS, key=lambda g: sum(stages[s] for s in GROUPS[g])),
    }


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with the measured value, PASS or not, and what dominates."""
    found: list[dict[str, Any]] = []
    for kind, figures in result["databases"].items():
        dominant = _dominant(figures)
        found += [
            _target(f"{kind}: backlog >= 60 % of the bare pipeline", figures["ratio_to_bare"],
                    figures["ratio_to_bare"] >= MIN_RATIO_TO_BARE, dominant),
            _target(f"{kind}: backlog >= 100 msg/s", figures["per_second"],
                    figures["per_second"] >= MIN_PER_SECOND, dominant),
            _target(f"{kind}: peak RSS < 200 MB", figures["mailbot"]["peak_rss_mb"],
                    figures["mailbot"]["peak_rss_mb"] < MAX_RSS_MB, _big(figures)),
        ]
    lat = result["latency"]
    why = _latency_dominant(lat)
    found += [
        _target("latency median < 1 s", lat["median_s"],
                lat["median_s"] is not None and lat["median_s"] < MAX_MEDIAN_S and
                not lat["missed"], why),
        _target("latency p95 < 1.5 s", lat["p95_s"],
                lat["p95_s"] is not None and lat["p95_s"] < MAX_P95_S and not lat["missed"], why),
    ]
    return found


def _target(name: str, value: float | None, passed: bool, dominant: str) -> dict[str, Any]:
    return {"target": name, "value": value, "pass": passed,
            "dominant": "" if passed else dominant}


def _dominant(figures: dict[str, Any]) -> str:
    """The stage with the largest share of the pass, and what it is made of."""
    group = figures["dominant_stage"]
    parts = GROUPS[group]
    ms = sum(figures["stage_ms_per_message"][s] for s in parts)
    detail = ", ".join(f"{s} {figures['stage_share'][s]:.0%}" for s in parts) if len(
        parts) > 1 else ""
    return (f"{group}: {figures['group_share'][group]:.0%} of the pass, {ms:.2f} ms per message"
            + (f" ({detail})" if detail else ""))


def _big(figures: dict[str, Any]) -> str:
    big = figures["mailbot"].get("big_message")
    return f"the 25 MB message ({big['outcome']})" if big else "no 25 MB message in this run"


def _latency_dominant(lat: dict[str, Any]) -> str:
    if lat["median_s"] is None:
        return "no confirmation arrived"
    handle = (lat["handle_median_ms"] or 0) / 1000
    if handle > lat["median_s"] / 2:
        return f"handling one message in the daemon: median {handle * 1000:.0f} ms"
    return (f"waiting for the IDLE notification, fetch, send and move: "
            f"{(lat['median_s'] - handle) * 1000:.0f} ms of the median")


def write(result: dict[str, Any], out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    stem = out / f"{result['date']}-n{result['parameters']['n']}"
    json_path, md_path = stem.with_suffix(".json"), stem.with_suffix(".md")
    json_path.write_text(json.dumps(result, indent=2, sort_keys=False) + "\n")
    md_path.write_text(markdown(result))
    return [json_path, md_path]


def markdown(result: dict[str, Any]) -> str:
    """The table the README quotes."""
    from bench.table import render

    return render(result)
