"""Settings from `MAILBOT_*` environment variables and an optional TOML file, built once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

Security = Literal["ssl", "starttls", "none"]


def _config_file() -> Path:
    return Path(os.environ.get("MAILBOT_CONFIG", "mailbot.toml"))


class Settings(BaseSettings):
    """Everything the bot can be told; the names are part of the external contract.

    Passwords are `SecretStr` and the database URL (which may hold one) is left out of the
    repr, so that no log line, traceback or printed Settings shows them.
    """

    model_config = SettingsConfigDict(env_prefix="MAILBOT_", extra="ignore")

    database_url: str = Field(default="sqlite:///mailbot.db", repr=False)

    imap_host: str = "localhost"
    imap_port: int = 143
    imap_user: str = ""
    imap_password: SecretStr = SecretStr("")
    imap_security: Security = "starttls"
    imap_folder: str = "INBOX"
    imap_done_folder: str = "Verwerkt"
    imap_rejected_folder: str = "Geweigerd"
    imap_quarantine_folder: str = "Quarantaine"
    imap_batch_size: int = 200
    # File the mail as it came, secrets and all, instead of the masked copy
    # (mailbot.inbound.filing).
    keep_originals: bool = False

    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_security: Security = "none"
    # Replies sent at once over this many connections, each address's in order over one of
    # them; a server that takes fewer gets fewer.
    smtp_connections: int = 3

    from_address: str = "monitoring@localhost"
    from_name: str = "Monitoringsysteem Huisverbod"
    admin_addresses: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Mail from a registered address that is neither a form nor a command goes to a person:
    # these addresses, or the admins' when empty (mailbot.handlers.forward); at most
    # `max_forwards_per_day` of one sender's mails a day, so a loop cannot flood them.
    helpdesk_addresses: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_forwards_per_day: int = 5
    # Whom to ask, named at the foot of every mail to staff (as the 2008 manual did): free
    # text such as "G. Varkevisser, g.varkevisser@minbzk.nl".
    contact_content: str = ""
    contact_technical: str = ""

    # Half-year reports (mailbot/reports): who gets them, the small-number rule, feedback.
    report_addresses: Annotated[list[str], NoDecode] = Field(default_factory=list)
    report_threshold: int = 5  # published counts from 1 to threshold-1 are shown as "<threshold"
    report_feedback: bool = True  # each municipality that submitted gets its own comparison
    # Below this share of invited municipalities answering, a report warns first, and a ratio
    # over a police area is not shown (mailbot.reports.police).
    report_min_response: float = Field(default=0.5, ge=0, le=1)

    require_dmarc: bool = False
    authserv_id: str = ""

    # Wrong secrets from an organisation's registered addresses within the window lock it.
    lockout_attempts: int = 5
    lockout_minutes: int = 60
    # An address registered nowhere can never log in: its refused logins are answered this
    # often a day, per address and per domain; beyond that they get no answer and no secret
    # check (mailbot.login.strangers).
    max_unknown_replies_per_day: int = 3
    max_unknown_replies_per_domain_per_day: int = 20

    poll_seconds: int = 60
    claim_seconds: int = 120  # a claim older than this belongs to a worker that died
    outbox_seconds: int = 5
    # Answers that mail without a secret can trigger, per address, per day and per kind
    # (mailbot.outbound.outbox); `reply_caps` gives a kind a number of its own ("help=3,no_form=3").
    max_replies_per_day: int = 10
    reply_caps: Annotated[dict[str, int], NoDecode] = Field(default_factory=dict)
    # ACCOUNT and WACHTWOORD requests reach the admins in one mail at most this often.
    request_digest_hours: int = 24
    max_message_bytes: int = 25 * 1024 * 1024

    # Reading a mail (mailbot.reader.reading): a worker process stopped after this much CPU time and
    # address space, and how much of a mail it reads (mailbot.reader.limits).
    read_seconds: int = 5
    read_memory_mb: int = 1024
    read_max_part_bytes: int = 256 * 1024
    read_max_line_chars: int = 1000
    read_max_depth: int = 32
    read_max_parts: int = 100
    read_max_headers: int = 500
    read_max_form_lines: int = 2000

    # The zone every time a person reads is shown in, and the calendar periods, deadlines and
    # working days are counted on (mailbot.dates.localtime). `round_timezone` is its older name for
    # the rounds: set alone, it stands for both.
    timezone: str = "Europe/Amsterdam"

    # Half-year rounds (mailbot/rounds): dates are Dutch working days in round_timezone.
    round_auto: bool = True  # the daemon opens rounds and sends reminders by itself
    round_open_days: int = 0  # days after the half year ends; 0 is the 1st of the next month
    round_deadline_weeks: int = 6  # after the opening day
    round_reminder_days: Annotated[list[int], NoDecode] = Field(default_factory=lambda: [14, 3])
    round_send_hour: int = 8  # local hour at which round mails go out
    round_timezone: str = "Europe/Amsterdam"
    round_seconds: int = 300  # how often the daemon looks whether a round step is due

    @property
    def helpdesk(self) -> list[str]:
        """Where mail for a person goes: the helpdesk, else the admins."""
        return self.helpdesk_addresses or self.admin_addresses

    @field_validator("admin_addresses", "report_addresses", "helpdesk_addresses", mode="before")
    @classmethod
    def _split_addresses(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("timezone", "round_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @model_validator(mode="after")
    def _one_zone(self) -> Settings:
        """Either zone setting given alone sets the other: one zone unless both are set."""
        given = self.model_fields_set
        if "timezone" in given and "round_timezone" not in given:
            self.round_timezone = self.timezone
        elif "round_timezone" in given and "timezone" not in given:
            self.timezone = self.round_timezone
        return self

    @field_validator("round_reminder_days", mode="before")
    @classmethod
    def _split_days(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [int(part) for part in value.split(",") if part.strip()]
        return value

    @field_validator("reply_caps", mode="before")
    @classmethod
    def _split_caps(cls, value: Any) -> Any:
        if isinstance(value, str):
            pairs = (part.partition("=") for part in value.split(",") if part.strip())
            return {kind.strip(): number.strip() for kind, _, number in pairs}
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Explicit arguments, then the environment, then the TOML file (lower-case keys).
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)
