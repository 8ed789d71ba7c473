"""The brand-page set scored as a support lead would: did each comment get the right action?

Every row of `brandpage/eval.jsonl` names the action a careful support team takes (`expected`).
The comment goes through the same labeller and policy as in triage, as a first comment on a
business page from an author without strikes, and the decision's rule is compared with it.
Removal precision: of the comments the policy hides, deletes or blocks, the share that should be.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.triage.domain.context import AuthorRecord, Decision, DecisionContext
from services.triage.domain.labelling import Labelled
from services.triage.domain.policy import Policy
from shared.accounts import Account
from shared.contracts import Author, Comment

RIGHT_RULES: Mapping[str, frozenset[str]] = {
    "threat": frozenset({"R8"}),
    "hate": frozenset({"R9.severe"}),
    "hide": frozenset({"R7", "R7.spam", "R9.repeat"}),
    "hide_and_private_reply": frozenset({"R7.complaint"}),
    "reply": frozenset({"R1", "R2", "R3"}),
    "ignore": frozenset({"R5", "R6"}),
    "none": frozenset({"R0.positive", "R0.none"}),
}
"""Which decision counts as the expected action (first comment, business page, no strikes)."""
REVIEW_RULES = frozenset({"R8.review", "R7.review", "R7.unsure_complaint"})
"""A human is asked first: not the action itself, never a wrong removal."""
REMOVALS = frozenset({"hide", "delete", "block_author"})
SHOULD_REMOVE = frozenset({"threat", "hate", "hide", "hide_and_private_reply"})
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Outcome:
    row: Mapping[str, Any]
    decision: Decision
    labels: tuple[str, ...]

    @property
    def right(self) -> bool:
        return self.decision.rule_id in RIGHT_RULES[str(self.row["expected"])]

    @property
    def reviewed(self) -> bool:
        return self.decision.rule_id in REVIEW_RULES

    @property
    def removes(self) -> bool:
        return any(a.kind in REMOVALS for a in self.decision.actions)


def first_comment(text: str, lang: str, index: int) -> tuple[Comment, DecisionContext]:
    """A new top-level comment on a German or English business page."""
    comment = Comment(
        platform="facebook",
        account_id="bp",
        comment_id=f"bp{index}",
        post_id="p",
        parent_id=None,
        thread_id=f"facebook:bp{index}",
        author=Author(id=f"a{index}", name="A"),
        text=text,
        created_at=NOW,
    )
    account = Account.model_validate(
        {"platform": "facebook", "account_id": "bp", "kind": "business", "language": lang}
    )
    return comment, DecisionContext(account=account, author=AuthorRecord(), exchange=None)


def decide_all(
    rows: Sequence[Mapping[str, Any]], labelled: Sequence[Labelled], policy: Policy
) -> list[Outcome]:
    """Pure: one decision per labelled row."""
    out = []
    for i, (row, lab) in enumerate(zip(rows, labelled, strict=True)):
        comment, context = first_comment(str(row["text"]), str(row["lang"]), i)
        decision = policy.decide(comment, lab, context, now=NOW)
        if decision is None:
            raise RuntimeError(f"no decision for brand-page row {row['id']}")
        out.append(Outcome(row, decision, tuple(lab.labels)))
    return out


def summary(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Right-action rate overall, per expected action and per situation; removal precision."""
    removed = [o for o in outcomes if o.removes]
    correct_removals = sum(1 for o in removed if o.row["expected"] in SHOULD_REMOVE)
    by_expected: dict[str, Counter[str]] = {}
    by_situation: dict[str, Counter[str]] = {}
    for o in outcomes:
        verdict = "right" if o.right else "review" if o.reviewed else "wrong"
        by_expected.setdefault(str(o.row["expected"]), Counter())[verdict] += 1
        by_situation.setdefault(str(o.row["situation"]), Counter())[verdict] += 1
    return {
        "rows": len(outcomes),
        "right": sum(o.right for o in outcomes),
        "review": sum(o.reviewed for o in outcomes),
        "right_rate": sum(o.right for o in outcomes) / max(1, len(outcomes)),
        "removals": len(removed),
        "removal_precision": correct_removals / len(removed) if removed else 1.0,
        "by_expected": {k: dict(v) for k, v in sorted(by_expected.items())},
        "by_situation": {k: dict(v) for k, v in sorted(by_situation.items())},
    }
