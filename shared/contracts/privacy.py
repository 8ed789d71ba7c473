"""Requests about one author's personal data (GDPR Art. 15 access, Art. 17 erasure) and each
service's answer. Every service holds part of what is stored about an author and only it may
read or change its tables, so a request goes to all of them and each answers for itself."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import AwareDatetime, Field, model_validator

from shared.contracts.comments import Platform
from shared.contracts.envelope import Envelope

PrivacyKind = Literal["locate", "export", "erase", "purge"]
"""`locate`: reporting (which keeps every comment) names the author's comments, the exchanges
they opened and the evidence under legal hold; `export` and `erase` then name those to every
service. `purge` is about no one: every row past its account's retention."""

EVERY_ACCOUNT = "*"
"""`account_id` of a request: an author's data is sought on every page of the installation."""


def privacy_subject(platform: str, author_id: str) -> str:
    """The correlation id of every request about this author (ids only, as logs allow)."""
    return f"privacy:{platform}:{author_id}"


class PrivacyRequested(Envelope):
    event_type: Literal["privacy.requested"] = "privacy.requested"
    schema_version: Literal[1] = 1
    request_id: str = Field(min_length=1, max_length=64)
    kind: PrivacyKind
    platform: Platform | None = None
    author_id: str | None = Field(default=None, min_length=1, max_length=200)
    requested_by: str = Field(min_length=1, max_length=200)
    comment_ids: list[str] = Field(default_factory=list)
    """The author's comments, as `locate` found them."""
    thread_ids: list[str] = Field(default_factory=list)
    """The exchanges the author opened: their notes, notices and audit trail are about them."""
    held: dict[str, str] = Field(default_factory=dict)
    """Comment id → why its evidence is kept (an open threat case): erase leaves it alone."""
    dry_run: bool = False
    """purge: count what would go, change nothing."""
    as_of: AwareDatetime | None = None
    """purge: as if it were this moment (a preview of a later purge); default now."""

    def named(self) -> tuple[Platform, str]:
        """(platform, author id) of a request about someone."""
        if self.platform is None or self.author_id is None:
            raise ValueError(f"{self.kind} request {self.request_id} names no author")
        return self.platform, self.author_id

    @model_validator(mode="after")
    def _about_someone(self) -> Self:
        if self.kind != "purge" and (self.platform is None or self.author_id is None):
            raise ValueError(f"a {self.kind} request names a platform and an author id")
        return self


class PrivacyAnswered(Envelope):
    event_type: Literal["privacy.answered"] = "privacy.answered"
    schema_version: Literal[1] = 1
    request_id: str = Field(min_length=1, max_length=64)
    kind: PrivacyKind
    service: str
    data: dict[str, Any]
    """export: what the service holds, per table; erase: rows and keys changed, per table;
    locate: comment_ids, thread_ids, held."""
