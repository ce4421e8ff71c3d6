"""The deployment files stay in step with the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.config import Settings


def test_the_sample_configuration_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(__import__("os").environ):
        if name.startswith("MAILBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MAILBOT_CONFIG", "deploy/mailbot.toml")
    settings = Settings()
    assert settings.imap_security == "ssl" and settings.imap_port == 993
    assert settings.admin_addresses == ["beheer@huisverbod.example.nl"]
    assert settings.database_url.startswith("postgresql+psycopg://")


def test_the_environment_wins_over_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILBOT_CONFIG", "deploy/mailbot.toml")
    monkeypatch.setenv("MAILBOT_IMAP_PORT", "1993")
    assert Settings().imap_port == 1993


def test_the_systemd_unit_runs_the_daemon() -> None:
    unit = Path("deploy/mailbot.service").read_text()
    assert "ExecStart=/opt/mailbot/.venv/bin/mailbot run" in unit
    assert "MAILBOT_CONFIG=/etc/mailbot/mailbot.toml" in unit
