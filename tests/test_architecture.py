"""The package's shape: folders by role, no import cycles (type-only imports count too), no
module past 400 lines, every `type: ignore` with its reason."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mailbot"
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that `path` imports anywhere, under TYPE_CHECKING too."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in modules else base)
    # Importing a module runs its packages' __init__ first: those count as imported too.
    parents = {".".join(m.split(".")[:i]) for m in found for i in range(2, m.count(".") + 1)}
    return ((found | parents) & modules) - {name} - {package}


def import_graph() -> dict[str, set[str]]:
    paths = [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts]
    modules = {module_name(p) for p in paths}
    return {module_name(p): imported(p, modules) for p in paths}


def test_no_module_imports_one_that_imports_it_back() -> None:
    # A package that imports its modules to export them counts: importing it imports them.
    try:
        TopologicalSorter(import_graph()).prepare()
    except CycleError as cycle:
        raise AssertionError(f"import cycle: {' -> '.join(cycle.args[1])}") from None


def test_the_top_of_the_package_holds_a_handful_of_modules() -> None:
    """Everything else lives in the folder of its role (docs/architecture.md)."""
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert top == ["__init__.py", "__main__.py", "bot.py", "config.py"]


def test_every_folder_of_the_package_is_on_the_map() -> None:
    written = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    folders = sorted(path.name for path in PACKAGE.iterdir()
                     if path.is_dir() and (path / "__init__.py").exists())
    assert [name for name in folders if f"`mailbot/{name}/`" not in written] == []


def test_no_module_is_longer_than_400_lines() -> None:
    long = {module_name(p): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}



def test_every_type_ignore_says_why() -> None:
    """A `type: ignore` names its reason: after it on the line, or in the comment above."""
    unexplained = []
    for path in PACKAGE.rglob("*.py"):
        lines = path.read_text().splitlines()
        for number, line in enumerate(lines):
            code, marker, rest = line.partition("# type: ignore")
            if not marker:
                continue
            said_after = "#" in rest
            said_above = number > 0 and lines[number - 1].lstrip().startswith("#")
            if not (said_after or said_above):
                unexplained.append(f"{module_name(path)}:{number + 1}: {code.strip()}")
    assert unexplained == []
