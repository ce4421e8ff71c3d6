"""The benchmark runs end to end on a tiny backlog, so it cannot rot (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.stages import GROUPS, STAGES
from tests.servers import dovecot

ROOT = Path(__file__).parent.parent


def test_bench_runs_on_a_tiny_backlog_and_reports_every_stage(tmp_path: Path) -> None:
    dovecot.ensure_installed()
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--n", "30", "--orgs", "8", "--latency", "5",
         "--databases", "sqlite", "--out", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [json_path] = tmp_path.glob("*-n30.json")
    result = json.loads(json_path.read_text())

    assert {"date", "machine", "parameters", "mix", "raw_limit", "databases", "latency",
            "targets"} <= result.keys()
    assert {"nproc", "cpu", "ram_gb"} <= result["machine"].keys()
    assert result["backlog_messages"] == 30
    assert result["raw_limit"]["messages"] == 30

    sqlite = result["databases"]["sqlite"]
    assert sqlite["bare"]["messages"] == 30 and sqlite["bare"]["sent"] == 30
    bot = sqlite["mailbot"]
    assert bot["unwrapped"] == [], "a timed mailbot function moved: update bench/stages.py"
    assert bot["messages"] == 30 and bot["left_in_inbox"] == 0 and bot["log_errors"] == 0
    assert bot["sink_received"] == bot["sent"] > 0
    # Each handled mail commits once; nothing done in autocommit mode counts.
    assert 0 < bot["driver_calls"]["commit"] <= bot["messages"] * 2
    assert bot["big_message"] is not None
    assert set(STAGES) <= sqlite["stage_ms_per_message"].keys()
    assert set(GROUPS) == sqlite["group_share"].keys()
    for stage in STAGES:
        if stage != "other":
            assert bot["calls"].get(stage, 0) > 0, f"stage {stage} was never timed"
    assert sqlite["argon2"]["count"] > 0
    assert {"per_second", "ratio_to_bare", "ratio_to_raw", "per_second_without_argon2"} <= (
        sqlite.keys())

    latency = result["latency"]
    assert latency["count"] == 5 and latency["missed"] == 0
    assert latency["median_s"] is not None and latency["p95_s"] is not None

    targets = {t["target"] for t in result["targets"]}
    assert any("60 %" in t for t in targets) and any("RSS" in t for t in targets)
    assert all(t["pass"] or t["dominant"] for t in result["targets"])

    table = (tmp_path / json_path.name.replace(".json", ".md")).read_text()
    assert "raw limit" in table and "bare pipeline" in table and "median" in table
    assert table.strip() in done.stdout
