"""What "an author's personal data" is in each service's tables, as data, and the pure scrub.

Erasure anonymises rather than deletes: texts and names are emptied, the author's id is replaced
by a token unique to the erasure, and the rows stay — so counts in reports and metrics (SLA
compliance, actions taken, complaints per category) are the same after an erasure as before.
Rows of a comment whose evidence is under legal hold (an open threat case) are left as they
are. Each plan names only tables of its service (a test keeps it so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Match = Literal["comment", "thread", "author"]

PERSONAL_KEYS = frozenset({"text", "message", "name", "author_name", "body", "note", "evidence"})
"""Keys of a JSON document whose values are a person's words or name (a comment, an author, a
reply rendered for them, evidence): emptied by `scrub`."""


def erasure_token(request_id: str) -> str:
    """What replaces the author's id: unlinkable to it, the same in every table of one erasure."""
    return f"erased:{request_id[:16]}"


def scrub(value: Any, author_id: str, token: str) -> Any:
    """A JSON value with the personal keys emptied and the author's id replaced, at any depth."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if key == "author" and isinstance(item, dict):  # whoever it is: ids go too
                out[key] = {k: token if k == "id" else "" for k in item}
            elif key in PERSONAL_KEYS and isinstance(item, str):
                out[key] = ""
            elif key in PERSONAL_KEYS and isinstance(item, dict | list):
                out[key] = None
            else:
                out[key] = scrub(item, author_id, token)
        return out
    if isinstance(value, list):
        return [scrub(item, author_id, token) for item in value]
    if isinstance(value, str) and value == author_id:
        return token
    return value


def mentions(value: Any, comment_ids: frozenset[str], author_id: str) -> bool:
    """Whether a JSON value names one of these comments or the author (a stream entry's body)."""
    if isinstance(value, dict):
        return any(mentions(item, comment_ids, author_id) for item in value.values())
    if isinstance(value, list):
        return any(mentions(item, comment_ids, author_id) for item in value)
    return isinstance(value, str) and (value in comment_ids or value == author_id)


@dataclass(frozen=True)
class TablePlan:
    """How one table holds an author's data.

    `match`: rows of the author's comments (`comment_id`), of the exchanges they opened
    (`thread_id`), or keyed by the author (`author_id`). On erasure `delete` removes the rows;
    otherwise `clear` columns are set to the value given, `author` columns holding the author's
    id get the token, `json` columns are scrubbed. `at` is the row's time for retention (none:
    the row is not purged by age).
    """

    table: str
    match: Match
    clear: Mapping[str, Any] = field(default_factory=dict)
    author: tuple[str, ...] = ()
    json: tuple[str, ...] = ()
    delete: bool = False
    at: str = ""
    pending: str = ""
    """SQL true for rows a purge has not anonymised yet, where the columns cannot say (JSON):
    keeps the hourly purge from reading every old row again."""


PLANS: Mapping[str, Sequence[TablePlan]] = {
    "reporting": (
        TablePlan(
            "comments", "comment", {"text": "", "author_name": ""}, ("author_id",), at="received_at"
        ),
        TablePlan("comment_events", "comment", {"text": ""}, at="occurred_at"),
        TablePlan(
            "reporting_decisions",
            "comment",
            json=("event",),
            at="decided_at",
            pending="(event #>> '{comment,author,id}') IS DISTINCT FROM 'expired'",
        ),
        TablePlan(
            "reporting_actions",
            "comment",
            {"text": None, "evidence": None},
            ("author_id",),
            at="created_at",
        ),
        TablePlan(
            "reporting_messages", "comment", {"text": "", "topics": []}, ("author_id",), at="at"
        ),
        TablePlan("reporting_corrections", "comment", {"note": ""}, at="at"),
        TablePlan("reporting_notes", "thread", {"text": ""}, at="at"),
        TablePlan("reporting_notifications", "thread", json=("payload",), at="created_at"),
        TablePlan("reporting_audit", "thread", json=("before", "after"), at="at"),
        TablePlan("reporting_police_decisions", "thread"),
        TablePlan("reporting_exchanges", "thread"),
    ),
    "triage": (
        # Triage keeps a decision only to republish it unchanged on a redelivery: an erased
        # one goes, so a comment delivered again is decided afresh (reporting's copy keeps the
        # counts; the responder's exactly-once keys keep it from acting twice).
        TablePlan("decisions", "comment", delete=True, at="decided_at"),
        TablePlan("exchanges", "thread", author=("customer_id",), at="updated_at"),
        TablePlan("author_records", "author", delete=True, at="last_offence_at"),
    ),
    "responder": (
        TablePlan(
            "actions", "comment", {"text": None, "evidence": None}, ("author_id",), at="created_at"
        ),
    ),
}
"""Per service, its tables that hold something of an author. A table in none of them holds
nothing about authors (timers, agents, canned replies, assignments); the police decisions and
exchange summaries are exported, not changed (a case record; counts and scores)."""

EVIDENCE: Mapping[str, str] = {
    "reporting": (
        "comment_id IN (SELECT comment_id FROM reporting_actions WHERE kind = 'preserve_evidence'"
        " AND (created_at >= :evidence_cutoff"
        " OR thread_id NOT IN (SELECT thread_id FROM reporting_police_decisions)))"
    ),
    "triage": (
        "comment_id IN (SELECT comment_id FROM decisions"
        " WHERE rule_id LIKE 'R8%' AND decided_at >= :evidence_cutoff)"
    ),
    "responder": (
        "comment_id IN (SELECT comment_id FROM actions"
        " WHERE kind = 'preserve_evidence' AND created_at >= :evidence_cutoff)"
    ),
}
"""Per service, the rows of comments that are threat evidence still held: younger than the
evidence retention, or (reporting, which records the police-report decisions) in a case still
open. Retention leaves them alone."""

ANCHORS: Mapping[str, tuple[str, str]] = {
    "reporting": ("comments", "received_at"),
    "triage": ("decisions", "decided_at"),
    "responder": ("actions", "created_at"),
}
"""Per service, the table and time that date a comment for retention: every row of a comment
goes at once, when the service first had it (not when the platform says it was written, so a
replay of old comments is kept for the full period)."""

PURGED = "expired"
"""The token that replaces author ids on rows past retention."""
