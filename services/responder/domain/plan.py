"""From a decision to action requests: render texts, refuse what must never be posted."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import timedelta

from services.responder.domain.model import EVIDENCE_KINDS, ActionRequest, PlanItem
from services.responder.domain.templates import TemplateBook, TemplateError, reference_code
from shared.accounts import Account
from shared.contracts import ActionKind, DecisionMade, PlannedAction
from shared.contracts.actions import TEXT_KINDS
from shared.tone import check_tone

DEFAULT_SITUATION: dict[ActionKind, str] = {
    "private_reply": "private_reply",
    "request_deletion": "request_deletion",
}

TEXT_LIMITS: dict[str, int] = {"x": 280}
"""Longest post a platform accepts where replies can come near it (X); others take thousands."""


def is_threat_or_abuse(labels: list[str]) -> bool:
    return any(label == "threat" or label.startswith("abuse.") for label in labels)


def _order(actions: list[PlannedAction]) -> list[PlannedAction]:
    """Evidence is preserved before anything removes the comment (R8); otherwise keep order."""
    return sorted(actions, key=lambda a: 0 if a.kind == "preserve_evidence" else 1)


def _policy_refusal(decision: DecisionMade, kind: ActionKind) -> str | None:
    """Defence in depth: even if triage asks, threats and abuse get no public words (R6-R8)."""
    if not is_threat_or_abuse(decision.labels):
        return None
    if kind == "private_reply" and decision.rule_id.startswith("R7"):
        return None
    if kind in TEXT_KINDS:
        return (
            f"refused {kind}: decision labels {sorted(decision.labels)} include threat/abuse "
            f"(rule {decision.rule_id}); threats and abuse never get a reply"
        )
    return None


def evidence_record(decision: DecisionMade) -> dict[str, str]:
    """What was said, by whom and when, with its content hash (R8): stored before any removal."""
    c = decision.comment
    record = {
        "platform": c.platform,
        "account_id": c.account_id,
        "comment_id": c.comment_id,
        "post_id": c.post_id,
        "thread_id": c.thread_id,
        "author_id": c.author.id,
        "author_name": c.author.name,
        "text": c.text,
        "created_at": c.created_at.isoformat(),
    }
    return sealed_evidence(record, decision.decision_id)


def sealed_evidence(record: Mapping[str, str], decision_id: str) -> dict[str, str]:
    """The record plus its SHA-256 over the sorted fields, so tampering shows."""
    digest = hashlib.sha256(json.dumps(dict(record), sort_keys=True).encode()).hexdigest()
    return {**record, "sha256": digest, "decision_id": decision_id}


def evidence_detail(evidence: Mapping[str, str]) -> str:
    return (
        f"evidence sha256={evidence['sha256']} author={evidence['author_id']} "
        f"created_at={evidence['created_at']}"
    )


def _render(
    decision: DecisionMade,
    planned: PlannedAction,
    account: Account,
    book: TemplateBook,
    brand: str,
) -> tuple[str | None, tuple[str, ...]]:
    situation = planned.template or DEFAULT_SITUATION.get(planned.kind) or decision.category
    if situation is None:
        return None, (f"no template for {planned.kind}: the decision names no situation",)
    try:
        text = book.render(
            language=book.resolve_language(decision.lang, account.language),
            situation=situation,
            action_id=planned.action_id,
            author=decision.comment.author.name,
            brand=brand,
            reference=reference_code(decision.comment.platform, decision.comment.comment_id),
            max_length=TEXT_LIMITS.get(decision.comment.platform),
        )
    except TemplateError as exc:
        return None, (str(exc),)
    verdict = check_tone(text, humour_allowed=account.humour)
    return text, tuple(f"tone guard: {reason}" for reason in verdict.reasons)


def plan_action(
    decision: DecisionMade,
    planned: PlannedAction,
    account: Account,
    book: TemplateBook,
    brand: str,
) -> PlanItem:
    """One request; refusals say why it must not be performed, in words for a support engineer."""
    comment = decision.comment
    text: str | None = None
    refusals: tuple[str, ...] = ()
    detail = ""
    not_before = planned.not_before
    refusal = _policy_refusal(decision, planned.kind)
    if refusal is not None:
        refusals = (refusal,)
    elif planned.kind in TEXT_KINDS:
        text, refusals = _render(decision, planned, account, book, brand)
    evidence = evidence_record(decision) if planned.kind in EVIDENCE_KINDS else None
    if planned.kind == "preserve_evidence" and evidence is not None:
        detail = evidence_detail(evidence)
    if planned.kind == "await_community" and not_before is None:
        not_before = comment.created_at + timedelta(minutes=account.community_window_minutes)
    skip = None
    if planned.kind == "request_deletion" and not account.ask_deletion_after_resolution:
        skip = "account does not ask authors to delete resolved comments"
    request = ActionRequest(
        action_id=planned.action_id,
        decision_id=decision.decision_id,
        correlation_id=decision.correlation_id,
        kind=planned.kind,
        platform=comment.platform,
        account_id=comment.account_id,
        comment_id=comment.comment_id,
        thread_id=comment.thread_id,
        author_id=comment.author.id,
        text=text,
        not_before=not_before,
        detail=detail,
        evidence=evidence,
    )
    return PlanItem(request=request, refusals=refusals, skip=skip)


def plan_decision(
    decision: DecisionMade, account: Account, book: TemplateBook, brand: str
) -> list[PlanItem]:
    """All of a decision's actions, in the order they must be performed."""
    return [plan_action(decision, a, account, book, brand) for a in _order(decision.actions)]
