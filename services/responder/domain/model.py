"""Value objects passed between the pure core, the outbox and the platform adapters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.contracts import ActionKind, Platform

ResultStatus = Literal["done", "skipped", "failed", "retry"]
EVIDENCE_KINDS: frozenset[ActionKind] = frozenset(
    {"preserve_evidence", "delete", "hide", "report_to_platform"}
)
"""Kinds whose row carries the evidence record, stored before the platform call (R8)."""


@dataclass(frozen=True)
class ActionRequest:
    """Everything an adapter needs to perform one action, independent of any platform API."""

    action_id: str
    decision_id: str
    correlation_id: str
    kind: ActionKind
    platform: Platform
    account_id: str
    comment_id: str
    thread_id: str
    author_id: str
    text: str | None = None
    """The exact words to post (reply kinds only); None for moderation actions."""
    not_before: datetime | None = None
    detail: str = ""
    """Context the plan already knows, e.g. the evidence hash for `preserve_evidence`."""
    evidence: Mapping[str, str] | None = None
    """The comment as it was (R8), for the kinds that may remove it."""


@dataclass(frozen=True)
class ActionResult:
    """What an adapter did for one request; `platform_ref` identifies the effect on the platform."""

    action_id: str
    status: ResultStatus
    detail: str = ""
    platform_ref: str | None = None
    performed_as: str | None = None
    """What the platform really did, when it differs from or refines the abstract kind."""
    retry_after_s: float | None = None
    """For `retry`: the platform's own wait (rate-limit reset), else the backoff decides."""
    attempted: bool = True
    """False when no call went out (breaker open, rate gate shut): the attempt is not counted."""
    uncertain: bool = False
    """For `retry` of a post: it may have gone through, so look before posting again."""


@dataclass(frozen=True)
class PlanItem:
    """A request plus the reasons it must not be performed (empty when it may be)."""

    request: ActionRequest
    refusals: tuple[str, ...] = ()
    skip: str | None = None
    """Why the action is deliberately not performed (an account setting), when it is not."""

    @property
    def refused(self) -> bool:
        return bool(self.refusals)
