"""The hostile corpus (tests/pathological.py) at 1 MB: every shape is read by the reading worker
within its CPU limit, with the default limits. Before reading was made linear, several shapes
took minutes to hours; `python -m bench.reader_growth` shows how each one's time grows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mailbot.config import Settings
from mailbot.reader.reading import Read
from mailbot.reader.worker import Reader
from tests.pathological import SHAPES

# Two seconds of CPU for a megabyte, on a machine shared with the rest of the suite: a reader
# that is linear in the mail stays far below it (the growth bench measures how far).
LIMIT = Settings(read_seconds=2)  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def worker() -> Iterator[Reader]:
    reader = Reader()
    yield reader
    reader.close()


@pytest.mark.parametrize("shape", list(SHAPES))
def test_each_hostile_shape_is_read_within_the_limit_at_a_megabyte(
    worker: Reader, shape: str
) -> None:
    raw = SHAPES[shape](1_000_000)
    assert len(raw) >= 900_000

    read = worker.read(raw, LIMIT)

    assert isinstance(read, Read), read
    assert all(len(line) <= 1000 for line in read.mail.text.split("\n"))
