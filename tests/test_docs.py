"""Docs are tested: every CLI command is in the README and every template renders strictly."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import typer.main
from jinja2 import UndefinedError

from mailbot.cli import app
from mailbot.render import Renderer, templates_dir


def _commands(group: click.Group, prefix: str = "mailbot") -> list[str]:
    names = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            names += _commands(command, f"{prefix} {name}")
        else:
            names.append(f"{prefix} {name}")
    return names


COMMANDS = _commands(typer.main.get_command(app))  # type: ignore[arg-type]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"`{command}" in Path("README.md").read_text()


def test_the_readme_opens_with_the_two_commands() -> None:
    blocks = Path("README.md").read_text().split("```")
    assert "mailbot demo" in blocks[1]
    assert "scripts/test.sh" in blocks[3]
    assert "scripts/test.sh" in Path(".ci/run").read_text()


MAIL_TEMPLATES = sorted(p.name for p in templates_dir().glob("*.j2") if not p.name.startswith("_"))


@pytest.mark.parametrize("name", MAIL_TEMPLATES)
def test_templates_refuse_undefined_variables(name: str) -> None:
    with pytest.raises(UndefinedError):
        Renderer().mail(name)
