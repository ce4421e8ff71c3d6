"""Forms are versioned: a form that changes between rounds leaves older submissions as they were.

A version 2 of the municipal form is simulated in a temporary forms directory: question 1 gets
another label and a question 11 is added; version 1 is kept beside it as `gemeente.v1.toml`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mailbot import forms
from mailbot.forms import load_form
from mailbot.reports.export import export_csv
from mailbot.store import db, orgs, submissions

NEW_LABEL = "Aantal opgelegde tijdelijke huisverboden"
QUESTION_11 = '''
[[questions]]
key = "11"
label = "Aantal huisverboden met een meldcode-traject"
toelichting = "aantal huisverboden waarbij de meldcode huiselijk geweld is doorlopen"
'''


@pytest.fixture
def version_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Switch the forms directory to one where the municipal form is at version 2."""
    directory = tmp_path / "forms"
    shutil.copytree(forms.FORMS_DIR, directory, ignore=shutil.ignore_patterns("*.py", "__*"))
    current = (directory / "gemeente.toml").read_text(encoding="utf-8")
    (directory / "gemeente.v1.toml").write_text(current, encoding="utf-8")
    changed = current.replace("version = 1", "version = 2", 1).replace(
        'label = "Aantal opgelegde huisverboden"', f'label = "{NEW_LABEL}"', 1)
    questions_end = changed.index("# Plausibility checks")
    changed = changed[:questions_end] + QUESTION_11 + "\n" + changed[questions_end:]
    (directory / "gemeente.toml").write_text(changed, encoding="utf-8")
    load_form.cache_clear()
    monkeypatch.setattr(forms, "FORMS_DIR", directory)
    yield
    load_form.cache_clear()


def test_a_changed_form_does_not_change_how_older_submissions_export(
    database_url: str, request: pytest.FixtureRequest
) -> None:
    engine = db.make_engine(database_url)
    db.init(engine)
    first = datetime(2026, 7, 6, 10, 0, tzinfo=UTC)
    with db.session_scope(engine) as session:
        utrecht = orgs.add(session, first, "Utrecht", "gemeente")
        form_1 = load_form("gemeente")
        submissions.store(session, first, utrecht, "2026-H1", form_1,
                          {key: 2 for key in form_1.keys}, sender="a@utrecht.nl",
                          person_name=None, inbound_id=None)
    with db.session_scope(engine) as session:
        before = export_csv(session), export_csv(session, history=True)

    request.getfixturevalue("version_2")  # the form changes between two rounds
    form_2 = load_form("gemeente")
    assert (form_2.version, form_2.question("1").label) == (2, NEW_LABEL)
    assert load_form("gemeente", 1).question("1").label == "Aantal opgelegde huisverboden"
    with db.session_scope(engine) as session:
        assert (export_csv(session), export_csv(session, history=True)) == before

        second = datetime(2027, 1, 10, 10, 0, tzinfo=UTC)
        stored = submissions.store(session, second, utrecht, "2026-H2", form_2,
                                   {key: 3 for key in form_2.keys}, sender="a@utrecht.nl",
                                   person_name=None, inbound_id=None)
        assert stored.submission.form_version == 2
    with db.session_scope(engine) as session:
        history = export_csv(session, history=True)
    engine.dispose()

    assert history.startswith(before[1])  # the older rows come first, unchanged
    # ... the note (none) last
    assert "2026-H1,Utrecht,gemeente,1,2,1,2026-07-06T10:00:00+00:00,1,\n" in history
    assert "2026-H2,Utrecht,gemeente,11,3,1,2027-01-10T10:00:00+00:00,2,\n" in history
    assert "2026-H1,Utrecht,gemeente,11," not in history


def test_an_unknown_form_version_is_an_error() -> None:
    with pytest.raises(forms.FormError, match="no version 9"):
        load_form("gemeente", 9)
