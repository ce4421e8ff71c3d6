"""Progress of long admin work: a bar on stderr in a terminal, nothing when piped or logged.

Domain functions take an optional `Progress` and only count steps on it; the CLI opens a
`bar()` around them. rich is imported only when a bar is really drawn.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Draw = Callable[[int | None, int], None]


class Progress:
    """Steps of one piece of work towards a total (None while unknown); drawn when shown."""

    def __init__(self, total: int | None = None, draw: Draw | None = None) -> None:
        self.total = total
        self.completed = 0
        self._draw = draw

    def start(self, total: int) -> None:
        """Set the number of steps once the work knows it; counting starts again from 0."""
        self.total, self.completed = total, 0
        self._show()

    def advance(self, n: int = 1) -> None:
        """Count n more steps done."""
        self.completed += n
        self._show()

    def _show(self) -> None:
        if self._draw is not None:
            self._draw(self.total, self.completed)


@contextmanager
def bar(description: str, total: int | None = None,
        stream: TextIO | None = None) -> Iterator[Progress]:
    """A Progress drawn on `stream` (stderr) while the block runs, only if it is a terminal."""
    stream = sys.stderr if stream is None else stream  # looked up late: tests swap sys.stderr
    if not stream.isatty():
        yield Progress(total)
        return
    from rich.console import Console
    from rich.progress import Progress as RichProgress

    # stdout is not redirected: rich would move it onto the bar's stream, and a command's
    # stdout may be an export going to a file. Messages on stderr print above the bar.
    with RichProgress(console=Console(file=stream, force_terminal=True), transient=True,
                      redirect_stdout=False) as shown:
        task = shown.add_task(description, total=total)

        def draw(new_total: int | None, completed: int) -> None:
            shown.update(task, total=new_total, completed=completed)

        yield Progress(total, draw)
