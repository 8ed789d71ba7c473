"""Reads the policy file; a broken one is refused at start-up with the line and the reason.

Validation runs in two passes, both reported against YAML node marks: the schema (pydantic) and
the cross-references a schema cannot express (labels exist, every reply notes R13, R1–R12 are
all present, the last rule catches everything).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import yaml
from pydantic import ValidationError

from services.triage.domain.classification import LABELS
from services.triage.domain.policy import (
    CATEGORY_TEMPLATE,
    COMPLAINT_CATEGORY,
    EXCHANGE_CATEGORY,
    Policy,
    Rule,
    matches,
)
from shared.contracts.actions import CUSTOMER_FACING_KINDS

Loc = tuple[str | int, ...]
REQUIRED_RULES = tuple(f"R{n}" for n in range(1, 13))
REQUIRED_NOTES = ("R13", "R14")
_CLOCK_EFFECTS = frozenset({"open", "await_customer", "escalate"})


class PolicyError(ValueError):
    """The policy file cannot be used; the message lists each problem with its line."""

    def __init__(self, source: str, problems: Sequence[tuple[int, int, str]]) -> None:
        lines = [f"  line {line}, column {col}: {reason}" for line, col, reason in problems]
        super().__init__(f"policy file {source} is invalid:\n" + "\n".join(lines))
        self.source = source
        self.problems = list(problems)


def load_policy(path: Path) -> Policy:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(str(path), [(0, 0, f"cannot read the file: {exc}")]) from exc
    return parse_policy(text, source=str(path))


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        raise PolicyError(source, [(line, col, f"YAML: {exc.problem or exc}")]) from exc
    if root is None:
        raise PolicyError(source, [(1, 1, "the file is empty")])
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        problems = [_at(root, tuple(err["loc"]), err["msg"]) for err in exc.errors()]
        raise PolicyError(source, problems) from exc
    problems = [_at(root, loc, reason) for loc, reason in check(policy)]
    if problems:
        raise PolicyError(source, problems)
    return policy


def _at(root: yaml.Node, loc: Loc, reason: str) -> tuple[int, int, str]:
    node = _locate(root, loc)
    where = ".".join(str(part) for part in loc)
    return node.start_mark.line + 1, node.start_mark.column + 1, f"{where}: {reason}"


def _locate(node: yaml.Node, loc: Loc) -> yaml.Node:
    """The deepest node on `loc` that exists (a missing key points at its parent)."""
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            return node
        node = child
    return node


def check(policy: Policy) -> Iterator[tuple[Loc, str]]:
    """Cross-reference problems as (location, reason)."""
    yield from _check_labels(policy)
    yield from _check_rule_set(policy)
    for index, rule in enumerate(policy.rules):
        for loc, reason in _check_rule(policy, rule):
            yield ("rules", index, *loc), reason


def _check_labels(policy: Policy) -> Iterator[tuple[Loc, str]]:
    missing = [label for label in LABELS if label not in policy.thresholds]
    if missing:
        yield ("thresholds",), f"no threshold for {missing}"
    for label, value in policy.thresholds.items():
        if label not in LABELS:
            yield ("thresholds", label), f"unknown label {label!r}; known: {list(LABELS)}"
        elif not 0.0 <= value <= 1.0:
            yield ("thresholds", label), f"threshold {value} is outside [0, 1]"
    for category in policy.sla:
        if category not in LABELS:
            yield ("sla", category), f"SLA for unknown label {category!r}"
    settings = policy.settings
    for i, category in enumerate(settings.complaint_priority):
        if category not in policy.sla:
            yield ("settings", "complaint_priority", i), f"{category!r} has no SLA in `sla`"
    for field in ("severe_labels", "negative_labels"):
        for i, pattern in enumerate(getattr(settings, field)):
            if not matches(pattern, LABELS):
                yield ("settings", field, i), f"pattern {pattern!r} matches no known label"


def _check_rule_set(policy: Policy) -> Iterator[tuple[Loc, str]]:
    seen: set[str] = set()
    for index, rule in enumerate(policy.rules):
        if rule.id in seen:
            yield ("rules", index, "id"), f"rule id {rule.id!r} is used twice"
        seen.add(rule.id)
    bases = {re.sub(r"\..*$", "", rule_id) for rule_id in seen}
    for required in REQUIRED_RULES:
        if required not in bases:
            yield ("rules",), f"rule {required} of POLICY.md is missing"
    for note in REQUIRED_NOTES:
        if note not in policy.notes:
            yield ("notes",), f"note {note} of POLICY.md is missing"
    last = policy.rules[-1]
    if last.when.model_fields_set:
        yield ("rules", len(policy.rules) - 1, "when"), "the last rule must have no conditions"


def _check_rule(policy: Policy, rule: Rule) -> Iterator[tuple[Loc, str]]:
    when = rule.when
    for field in ("labels", "labels_any", "labels_none"):
        for i, pattern in enumerate(getattr(when, field)):
            if not matches(pattern, LABELS):
                yield ("when", field, i), f"pattern {pattern!r} matches no known label"
    for label in when.min_scores:
        if not matches(label, (*LABELS, "sentiment")):
            yield ("when", "min_scores", label), f"unknown score {label!r}"
    kinds = [a.kind for a in rule.actions]
    for i, kind in enumerate(kinds):
        if kinds.index(kind) != i:
            yield ("actions", i), f"action {kind!r} twice: action ids would collide"
    if CUSTOMER_FACING_KINDS & set(kinds) and "R13" not in rule.notes:
        yield ("notes",), "a rule that replies must note R13 (tone is enforced by the responder)"
    yield from _check_clock(policy, rule)


def _check_clock(policy: Policy, rule: Rule) -> Iterator[tuple[Loc, str]]:
    if rule.sla is not None:
        special = (COMPLAINT_CATEGORY, EXCHANGE_CATEGORY)
        if rule.sla.category not in policy.sla and rule.sla.category not in special:
            yield ("sla", "category"), f"unknown SLA category {rule.sla.category!r}"
        states = rule.when.exchange_state_in
        if rule.sla.category == EXCHANGE_CATEGORY and (
            states is None or not set(states) <= {"open", "awaiting_customer"}
        ):
            yield ("sla", "category"), "$exchange needs exchange_state_in [open, awaiting_customer]"
    for i, action in enumerate(rule.actions):
        if action.template == CATEGORY_TEMPLATE and rule.sla is None:
            yield ("actions", i, "template"), "$category needs an `sla` on the rule"
    if rule.exchange in _CLOCK_EFFECTS and rule.sla is None:
        yield ("exchange",), f"exchange effect {rule.exchange!r} needs an `sla` category"
