"""What the agents' workspace refuses, and why: pure rules the HTTP API and the inbox share.

Each refusal is an exception carrying the status it maps to and the words an agent reads; the
routes translate them, so a rule reads the same in the API, the inbox and the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.labels import NEGATION, correction_vocabulary
from shared.people import Principal, Right, refusal

RECENT_REPLY = timedelta(seconds=60)
"""A second send within this time after someone else's reply asks for confirmation."""


class WorkspaceError(Exception):
    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(WorkspaceError):
    status = 404


class Refused(WorkspaceError):
    status = 403


class Invalid(WorkspaceError):
    status = 422


class NeedsConfirmation(WorkspaceError):
    """The request would go through once the agent confirms; `warnings` say what to weigh."""

    status = 409

    def __init__(self, message: str, warnings: Sequence[str]) -> None:
        super().__init__(message)
        self.warnings = tuple(warnings)


def require(who: Principal, right: Right) -> None:
    """Refused (403) with the reason when `who` lacks `right`: checked before anything is done."""
    reason = refusal(who, right)
    if reason is not None:
        raise Refused(reason)


@dataclass(frozen=True)
class RecentReply:
    by: str
    at: datetime


def collision_warning(me: str, recent: Sequence[RecentReply], now: datetime) -> str | None:
    """Someone else answered this exchange moments ago: sending again may double the answer."""
    others = [r for r in recent if r.by != me and now - r.at <= RECENT_REPLY]
    if not others:
        return None
    latest = max(others, key=lambda r: r.at)
    seconds = max(0, int((now - latest.at).total_seconds()))
    return f"{latest.by} replied on this exchange {seconds} s ago"


def clean_labels(labels: Sequence[str]) -> tuple[str, ...]:
    """Known tokens only, no label both asserted and denied; order kept, duplicates dropped."""
    vocabulary = correction_vocabulary()
    unknown = [label for label in labels if label not in vocabulary]
    if unknown:
        raise Invalid(
            f"unknown label(s) {', '.join(map(repr, unknown))}: use a triage label "
            f"(e.g. 'complaint.product', 'threat') or deny one with '{NEGATION}<label>'",
            "labels",
        )
    if not labels:
        raise Invalid("a correction names at least one label", "labels")
    kept = tuple(dict.fromkeys(labels))
    contradicted = [x for x in kept if NEGATION + x in kept]
    if contradicted:
        raise Invalid(f"label(s) both asserted and denied: {', '.join(contradicted)}", "labels")
    return kept


def police_decision_problem(reported: bool, case_ref: str | None, reason: str | None) -> str | None:
    """A report needs its case reference; a decision not to report needs its reason."""
    if reported and not (case_ref or "").strip():
        return "case_ref: a police report is recorded with the case reference the police gave"
    if not reported and not (reason or "").strip():
        return "reason: a decision not to report is recorded with its reason"
    return None
