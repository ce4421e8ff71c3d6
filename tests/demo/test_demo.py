"""`mailbot demo` runs from a clean environment, without any server installed or root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_prints_the_confirmation_and_the_export(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILBOT_")}
    result = subprocess.run(
        [sys.executable, "-m", "mailbot", "demo", "--directory", str(tmp_path / "demo")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Onderwerp: Monitoringsysteem Huisverbod: bevestiging Utrecht" in result.stdout
    assert "vraag 7c      17   Aantal gestarte hulpverleningstrajecten voor kind(eren)" in (
        result.stdout
    )
    assert "2026-H" in result.stdout and ",Utrecht,gemeente,7c,17" in result.stdout
    assert "Wat nu?" in result.stdout
    assert (tmp_path / "demo" / "mailbot.db").exists()
