"""The questionnaires as data: loaded from the TOML files beside this module."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

FORMS_DIR = Path(__file__).parent
KINDS = ("gemeente", "politie")


class FormError(ValueError):
    """A form definition is inconsistent (found at start-up, never at run time)."""


@dataclass(frozen=True)
class Question:
    """One numbered question; `group` links 7a/7b/7c to their shared heading."""

    key: str
    label: str
    toelichting: str = ""
    group: str | None = None
    # Words for what the toelichting says the count includes ("mondeling" for question 1): a
    # remark that the count holds "only" something else leaves part of it out.
    includes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """A heading shared by sub-questions (7. ... voor: a/b/c) with its toelichting."""

    key: str
    label: str
    toelichting: str


@dataclass(frozen=True)
class Check:
    """A plausibility rule: the answer to `left` should not exceed the answer to `right`."""

    left: str
    right: str
    message: str

    def violated(self, answers: dict[str, int]) -> bool:
        """True when both answers are there and left is greater than right."""
        if self.left not in answers or self.right not in answers:
            return False
        return answers[self.left] > answers[self.right]


@dataclass(frozen=True)
class Form:
    """A questionnaire of one kind and version."""

    kind: str
    version: int
    title: str
    org_field: str
    questions: tuple[Question, ...]
    groups: tuple[Group, ...] = ()
    checks: tuple[Check, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.questions)

    def question(self, key: str) -> Question:
        """The question with this key (KeyError when the form has none)."""
        for q in self.questions:
            if q.key == key:
                return q
        raise KeyError(key)

    def group(self, key: str) -> Group:
        """The group heading with this key."""
        for g in self.groups:
            if g.key == key:
                return g
        raise KeyError(key)

    def warnings(self, answers: dict[str, int]) -> list[str]:
        """Messages of the plausibility checks the answers violate."""
        return [c.message for c in self.checks if c.violated(answers)]


def _build(raw: dict[str, Any]) -> Form:
    questions = tuple(Question(**{**q, "includes": tuple(q.get("includes", ()))})
                      for q in raw["questions"])
    groups = tuple(Group(**g) for g in raw.get("groups", []))
    checks = tuple(Check(**c) for c in raw.get("checks", []))
    form = Form(
        kind=raw["kind"],
        version=int(raw["version"]),
        title=raw["title"],
        org_field=raw["org_field"],
        questions=questions,
        groups=groups,
        checks=checks,
    )
    _validate(form)
    return form


def _validate(form: Form) -> None:
    keys = form.keys
    if len(set(keys)) != len(keys):
        raise FormError(f"{form.kind}: duplicate question keys")
    group_keys = {g.key for g in form.groups}
    for q in form.questions:
        if q.group is not None and q.group not in group_keys:
            raise FormError(f"{form.kind}: question {q.key} names unknown group {q.group}")
        if q.group is None and not q.toelichting:
            raise FormError(f"{form.kind}: question {q.key} has no toelichting")
    for c in form.checks:
        if c.left not in keys or c.right not in keys:
            raise FormError(f"{form.kind}: check {c.left}>{c.right} names unknown questions")


@cache
def load_form(kind: str, version: int | None = None) -> Form:
    """The current form of this kind (`gemeente` or `politie`), validated.

    With `version`, that version: when a form changes, its previous file is kept beside it as
    `{kind}.v{N}.toml`, so submissions stored with it can still be shown with their own labels.
    """
    if kind not in KINDS:
        raise FormError(f"unknown form kind {kind!r}")
    form = _read(FORMS_DIR / f"{kind}.toml")
    if version is None or version == form.version:
        return form
    archived = FORMS_DIR / f"{kind}.v{version}.toml"
    if not archived.is_file():
        raise FormError(f"no version {version} of form kind {kind!r}")
    return _read(archived)


def _read(path: Path) -> Form:
    with path.open("rb") as fh:
        return _build(tomllib.load(fh))
