"""Daemons killed with SIGKILL at random moments, and two daemons side by side.

The bounded form of `bench/fault_injection.py` (which runs the long one): the same burst,
the same checks, fewer mails and kills.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench.fault_injection import Harness, run_scenario


def _report(summary: dict[str, Any], harness: Harness) -> str:
    logs = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-4000:]}"
                     for p in sorted(harness.workdir.glob("daemon-*.log")))
    return f"{json.dumps(summary, indent=2)}\n{logs}"


@pytest.mark.slow
def test_killed_daemons_lose_nothing_store_nothing_twice_and_confirm_everything(
    imap_account: Any, smtp_sink: Any, database_url: str, tmp_path: Path
) -> None:
    harness = Harness(database_url, imap_account, smtp_sink, tmp_path)

    summary = run_scenario(harness, mails=100, orgs_count=20, kills=5, seed=5)

    print(json.dumps(summary))  # the measured numbers, duplicates among them (pytest -s)
    report = _report(summary, harness)
    assert summary["finished"] and summary["daemon_crashes"] == 0, report
    assert summary["submissions_stored"] == summary["submissions_sent"], report
    assert summary["orgs_with_wrong_figures"] == [], report
    assert summary["unconfirmed"] == [], report
    assert summary["noise_answered_wrongly"] == [], report
    assert summary["unexpected_replies"] == [], report
    assert summary["inbox_left"] == 0 and summary["rows_unfinished"] == 0, report
    assert summary["replies_not_sent"] == 0 and summary["quarantined"] == 0, report
    # A resend after a kill between the SMTP server's 250 and the commit is possible (the
    # recipient's client folds it away: same Message-ID); most kills do not land there.
    assert summary["duplicate_replies"] <= summary["kills"], report


@pytest.mark.slow
def test_two_daemons_on_one_mailbox_handle_every_message_once(
    imap_account: Any, smtp_sink: Any, database_url: str, tmp_path: Path
) -> None:
    # No kills here, so a long claim: nobody takes over a message or reply still being worked on.
    harness = Harness(database_url, imap_account, smtp_sink, tmp_path, claim_seconds=60)

    summary = run_scenario(harness, mails=50, orgs_count=10, kills=0, daemon_count=2, seed=6,
                           noise=False)

    print(json.dumps(summary))
    report = _report(summary, harness)
    assert summary["finished"] and summary["daemon_crashes"] == 0, report
    assert summary["submissions_sent"] == 50
    assert summary["submissions_stored"] == 50, report
    assert summary["orgs_with_wrong_figures"] == [], report
    assert summary["unconfirmed"] == [] and summary["unexpected_replies"] == [], report
    assert summary["duplicate_replies"] == 0, report
    assert summary["inbox_left"] == 0 and summary["quarantined"] == 0, report
