"""Docs are tested: every CLI command is in the README and every template renders strictly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer.main
from jinja2 import UndefinedError, meta

from mailbot.cli import app
from mailbot.outbound.render import Renderer, templates_dir


def _commands(group: Any, prefix: str = "mailbot") -> dict[str, Any]:
    # Typer ships click inside itself in newer releases: a group is what has sub-commands.
    found = {}
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found |= _commands(command, f"{prefix} {name}")
        else:
            found[f"{prefix} {name}"] = command
    return found


COMMANDS = list(_commands(typer.main.get_command(app)))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"`{command}" in Path("README.md").read_text()


def test_every_command_helps_in_dutch_with_an_example() -> None:
    """The output is Dutch, so is the help: each command's text ends with a Dutch example."""
    for name, command in _commands(typer.main.get_command(app)).items():
        assert f"Voorbeeld: {name}" in command.help, name
        assert "Example" not in command.help, name
        english = [p.help for p in command.params if p.help and p.help.split()[0] in
                   {"the", "only", "one", "every", "also", "write", "show", "count", "from"}]
        assert not english, (name, english)


def test_the_readme_opens_with_the_two_commands() -> None:
    blocks = Path("README.md").read_text().split("```")
    assert "mailbot demo" in blocks[1]
    assert "scripts/test.sh" in blocks[3]
    assert "scripts/test.sh" in Path(".ci/run").read_text()


MAIL_TEMPLATES = sorted(p.name for p in templates_dir().glob("*.j2") if not p.name.startswith("_"))


def _variables(renderer: Renderer, name: str) -> set[str]:
    """Variables a template and the templates it includes use."""
    source = renderer.env.loader.get_source(renderer.env, name)[0]  # type: ignore[union-attr]
    tree = renderer.env.parse(source)
    # The globals (the contacts at every mail's foot) are always there.
    found = set(meta.find_undeclared_variables(tree)) - set(renderer.env.globals)
    for included in meta.find_referenced_templates(tree):
        found |= _variables(renderer, included) if included else set()
    return found


@pytest.mark.parametrize("name", MAIL_TEMPLATES)
def test_templates_refuse_undefined_variables(name: str) -> None:
    renderer = Renderer()
    if not _variables(renderer, name):
        assert renderer.mail(name).subject  # a fixed text: nothing to leave undefined
        return
    with pytest.raises(UndefinedError):
        renderer.mail(name)
