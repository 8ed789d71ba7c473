"""An agent's action by hand as outbox requests: pure, so redelivery builds the same rows.

Ids derive from the command's `event_id`, so a redelivered command inserts nothing new and the
platform is called once. A delete (and a report to the platform, which may lead to removal)
preserves the comment as evidence first, under the same decision id, as R8 does for the
policy's own removals.
"""

from __future__ import annotations

from services.responder.domain.model import EVIDENCE_KINDS, ActionRequest
from services.responder.domain.plan import evidence_detail, sealed_evidence
from shared.contracts import AgentCommand
from shared.contracts.commands import MANUAL_ACTIONS

PRESERVED_FIRST = frozenset({"delete", "report_to_platform"})


def manual_requests(command: AgentCommand) -> list[ActionRequest]:
    """Evidence first (when the kind may remove the comment), then the action itself."""
    target = command.target
    kind = MANUAL_ACTIONS.get(command.kind)
    if target is None or kind is None:
        raise ValueError(f"{command.kind} is not a manual action with a target")
    decision_id = command.manual_decision_id
    record = {
        "platform": target.platform,
        "account_id": target.account_id,
        "comment_id": target.comment_id,
        "post_id": target.post_id,
        "thread_id": command.thread_id,
        "author_id": target.author_id,
        "author_name": target.author_name,
        "text": target.text,
        "created_at": target.created_at.isoformat(),
    }
    evidence = sealed_evidence(record, decision_id) if kind in EVIDENCE_KINDS else None
    common = {
        "decision_id": decision_id,
        "correlation_id": command.correlation_id,
        "platform": target.platform,
        "account_id": target.account_id,
        "comment_id": target.comment_id,
        "thread_id": command.thread_id,
        "author_id": target.author_id,
    }
    requests: list[ActionRequest] = []
    if kind in PRESERVED_FIRST and evidence is not None:
        requests.append(
            ActionRequest(
                action_id=f"{decision_id}:preserve_evidence",
                kind="preserve_evidence",
                detail=evidence_detail(evidence),
                evidence=evidence,
                **common,  # type: ignore[arg-type]
            )
        )
    text = " ".join(command.text.split()) if command.text is not None else None
    requests.append(
        ActionRequest(
            action_id=command.manual_action_id,
            kind=kind,
            text=text,
            evidence=evidence,
            **common,  # type: ignore[arg-type]
        )
    )
    return requests
