"""The engine: a database error that is logged or quarantined never shows the statement's
parameters, which may hold raw mail or a secret.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from mailbot.store import db
from mailbot.store.models import Inbound

PRIVATE = "Wachtwoord: geheim-7f3a9c"


def inbound(uid: int) -> Inbound:
    return Inbound(
        dedupe_key="same-key", content_hash="digest-5e1f", folder="INBOX", uidvalidity=1, uid=uid,
        size=len(PRIVATE), raw=PRIVATE.encode(), sender="huisverbod@utrecht.nl",
        subject=PRIVATE, received_at=datetime(2026, 7, 6, 9, tzinfo=UTC),
    )


def test_an_integrity_error_does_not_show_the_statements_parameters(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        session.add(inbound(1))

    with pytest.raises(IntegrityError) as caught, db.session_scope(engine) as session:
        session.add(inbound(2))  # the same dedupe_key: a unique violation

    text = str(caught.value)
    # PostgreSQL's own DETAIL line names the duplicate key ("Key (dedupe_key)=(same-key)"); the
    # other parameters, the raw mail among them, appear nowhere.
    for value in ("geheim", "huisverbod@utrecht.nl", "digest-5e1f"):
        assert value not in text
    assert "parameters hidden" in text  # the statement is still there to debug with
    assert "INSERT INTO inbound" in text
