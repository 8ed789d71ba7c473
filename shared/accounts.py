"""The brand's accounts (pages, channels) and their settings, from a configuration file.

Every service loads the same file, so ingest, triage and responder agree on an account's kind,
language and mode without passing them around in each event.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from shared.contracts.comments import Platform
from shared.notifications import NOTIFICATION_KINDS, NotificationKind

AccountKind = Literal["business", "personal", "influencer"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BusinessHours(BaseModel):
    """When the team answers, in the account's `time_zone`; SLAs count only these hours."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: list[Weekday] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)
    start: time = time(9, 0)
    end: time = time(18, 0)

    @model_validator(mode="after")
    def _ordered(self) -> BusinessHours:
        if self.start >= self.end:
            raise ValueError(f"business hours start {self.start} must be before end {self.end}")
        return self


ResponderMode = Literal["auto", "approve", "dry-run"]


class Webhook(BaseModel):
    """Where reporting tells a team about an account's threats, escalations and SLA clocks.

    Signed with `secret` (HMAC-SHA256, see shared/notifications.py); a Slack incoming-webhook
    URL works as it is, since the body carries Slack's `text` field."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    """Names the webhook in the delivery log; renaming one ends its pending deliveries."""
    url: HttpUrl
    secret: SecretStr = Field(min_length=16)
    events: list[NotificationKind] = Field(
        default_factory=lambda: list(NOTIFICATION_KINDS), min_length=1
    )


class WeeklyReportDelivery(BaseModel):
    """Sends last week's report (`steam-connect report`) to one of the account's webhooks,
    signed like every notification, once the team's week has begun."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    webhook: str
    """The name of one of the account's `webhooks`: its URL receives the file, its secret signs
    it (a mail relay's HTTP endpoint works the same way)."""
    weekday: Weekday = "mon"
    at: time = time(8, 0)
    """Local time (the account's `time_zone`) from which last week's report is due."""
    format: Literal["pdf", "html"] = "pdf"
    lang: Literal["de", "en"] | None = None
    """None: the account's language (English when it is neither)."""


class Account(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    platform: Platform
    account_id: str
    name: str = ""
    kind: AccountKind = "business"
    language: str = "de"
    time_zone: str = "Europe/Berlin"
    mode: ResponderMode = "auto"
    adapter: str = "console"
    """Which responder adapter performs actions: `console` records them instead of calling out."""
    humour: bool = False
    ask_deletion_after_resolution: bool = True
    community_window_minutes: int = Field(default=60, ge=0)
    access_token: SecretStr | None = None
    """Platform token for the responder's adapter; else PLATFORM_TOKENS from the environment."""
    business_hours: BusinessHours | None = None
    """None: staffed around the clock, so SLAs run on wall-clock time."""
    holidays: list[date] = Field(default_factory=list)
    """Dates (in `time_zone`) on which no business hours count."""
    webhooks: list[Webhook] = Field(default_factory=list)
    """Outgoing notifications of this account's exchanges (reporting sends them)."""
    weekly_report: WeeklyReportDelivery | None = None
    """Scheduled weekly report (None: only on demand, in the inbox or with the command)."""
    retention_days: int = Field(default=365, ge=1)
    """Comments, exchanges and actions older than this lose their texts, names and author ids
    (the rows and every count stay; docs/privacy.md)."""
    evidence_retention_days: int = Field(default=1825, ge=1)
    """Threat evidence (R8) is kept at least this long — and, in reporting, for as long as its
    police-report decision is open, however old."""

    @field_validator("webhooks")
    @classmethod
    def _unique_webhook_names(cls, hooks: list[Webhook]) -> list[Webhook]:
        names = [h.name for h in hooks]
        doubled = sorted({n for n in names if names.count(n) > 1})
        if doubled:
            raise ValueError(f"webhook names must be unique per account: {', '.join(doubled)}")
        return hooks

    @model_validator(mode="after")
    def _weekly_report_webhook(self) -> Account:
        delivery = self.weekly_report
        if delivery is not None and delivery.webhook not in {h.name for h in self.webhooks}:
            names = ", ".join(h.name for h in self.webhooks) or "none"
            raise ValueError(
                f"weekly_report.webhook {delivery.webhook!r} names none of the account's "
                f"webhooks ({names})"
            )
        return self

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value


class AccountsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: list[Account] = Field(default_factory=list)


class UnknownAccount(LookupError):
    def __init__(self, platform: str, account_id: str) -> None:
        super().__init__(
            f"account {account_id!r} on {platform} is not configured "
            "(add it to the accounts file, or set ACCEPT_UNKNOWN_ACCOUNTS=true for a demo)"
        )
        self.platform = platform
        self.account_id = account_id


class AccountDirectory:
    """Finds accounts by (platform, id); unknown ones become default business pages if allowed."""

    def __init__(self, accounts: list[Account], *, accept_unknown: bool) -> None:
        self._by_key = {(a.platform, a.account_id): a for a in accounts}
        self._accept_unknown = accept_unknown

    @classmethod
    def load(cls, path: Path, *, accept_unknown: bool) -> AccountDirectory:
        if not path.exists():
            if accept_unknown:
                return cls([], accept_unknown=True)
            raise FileNotFoundError(f"accounts file {path} does not exist")
        try:
            parsed = AccountsFile.model_validate(yaml.safe_load(path.read_text()) or {})
        except (yaml.YAMLError, ValidationError) as exc:
            raise ValueError(f"accounts file {path} is invalid: {exc}") from exc
        return cls(parsed.accounts, accept_unknown=accept_unknown)

    def get(self, platform: Platform, account_id: str) -> Account:
        account = self._by_key.get((platform, account_id))
        if account is not None:
            return account
        if self._accept_unknown:
            return Account(platform=platform, account_id=account_id)
        raise UnknownAccount(platform, account_id)

    def __iter__(self) -> Iterator[Account]:
        return iter(self._by_key.values())
