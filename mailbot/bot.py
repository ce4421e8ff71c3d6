"""The bot: everything a pass needs, made once at start-up from the settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from mailbot.config import Settings
from mailbot.dates.clock import Clock, SystemClock
from mailbot.login.passwords import VerifiedSecrets
from mailbot.outbound.render import Renderer
from mailbot.reader.worker import Reader
from mailbot.store import db


@dataclass(frozen=True)
class Bot:
    """The settings, the database, the clock, the templates and the reading worker of one
    process, passed down to every pass."""

    settings: Settings
    engine: Engine
    clock: Clock
    renderer: Renderer
    verified_secrets: VerifiedSecrets = field(default_factory=VerifiedSecrets)
    reader: Reader = field(default_factory=Reader)  # the reading worker process
    # Called after each message: the daemon tells systemd's watchdog it is making progress.
    progress: Callable[[], None] = field(default=lambda: None)

    @classmethod
    def from_settings(
        cls, settings: Settings, clock: Clock | None = None, *, engine: Engine | None = None,
        reader: Reader | None = None,
    ) -> Bot:
        """The bot for `settings`: its database, the system clock unless another is given,
        the templates, and a reading worker of its own unless one is shared."""
        return cls(settings=settings,
                   engine=engine if engine is not None else db.make_engine(settings.database_url),
                   clock=clock if clock is not None else SystemClock(),
                   renderer=Renderer.for_settings(settings),
                   reader=reader if reader is not None else Reader())

    def close(self) -> None:
        """End the reading worker and the database connections."""
        self.reader.close()
        self.engine.dispose()

