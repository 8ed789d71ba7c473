"""The moderation policy as data (R1–R14 of POLICY.md) and the pure `decide()` that applies it.

Rules are tried in file order; the first whose `when` holds decides. Every decision names its
rule and carries the rule's reason, so "why was this hidden?" always has an answer.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.triage.domain.context import (
    ActionPlan,
    Decision,
    DecisionContext,
    Exchange,
    ExchangeEffect,
    ExchangeState,
)
from services.triage.domain.exchange import is_active
from services.triage.domain.labelling import Labelled
from services.triage.domain.sla import SlaTerm, SlaWindow, calendar_for, parse_duration, sla_window
from shared.accounts import Account, AccountKind
from shared.contracts import ActionKind, Comment, TimerKind

EXCHANGE_CATEGORY = "$exchange"
COMPLAINT_CATEGORY = "$complaint"
CATEGORY_TEMPLATE = "$category"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Conditions(_Strict):
    """All given conditions must hold. Label patterns may end in `*` (`abuse.*`)."""

    labels: list[str] = Field(default_factory=list)
    """Each pattern must match at least one label of the comment."""
    labels_any: list[str] = Field(default_factory=list)
    labels_none: list[str] = Field(default_factory=list)
    min_scores: dict[str, float] = Field(default_factory=dict)
    """Raw scores that must be reached; a pattern (`abuse.*`) needs one matching label to.

    Labels use the detection thresholds; removal rules ask for more here (precision first:
    hiding a real complaint is worse than a late reply)."""
    negative: bool | None = None
    severe: bool | None = None
    repeat_offender: bool | None = None
    from_customer: bool | None = None
    escalated: bool | None = None
    account_kind_in: list[AccountKind] | None = None
    exchange_state_in: list[ExchangeState | Literal["none"]] | None = None


class ActionSpec(_Strict):
    kind: ActionKind
    template: str | None = None
    """Reply situation; `$category` means the decision's SLA category."""
    after: Literal["community_window"] | None = None
    """Sets `not_before`: R10 lets the community answer first."""
    if_account: Literal["ask_deletion_after_resolution", "humour"] | None = None
    """Planned only when this account setting is on."""


class SlaSpec(_Strict):
    category: str
    """A category of `sla`, `$complaint` (the comment's first complaint) or `$exchange`."""
    due: Literal["category", "community_window"] = "category"


class SlaEntry(_Strict):
    """`{within: 1h, business_hours: false}`; the plain spelling `1h` counts business hours."""

    within: str
    business_hours: bool = True

    @field_validator("within")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value


class Rule(_Strict):
    id: str = Field(pattern=r"^R\d+(\.[a-z_]+)?$")
    reason: str = Field(min_length=1)
    when: Conditions = Field(default_factory=Conditions)
    actions: list[ActionSpec] = Field(default_factory=list)
    sla: SlaSpec | None = None
    strike: bool = False
    """Counts against the author (R9 blocks repeat offenders)."""
    exchange: ExchangeEffect | None = None
    notes: list[str] = Field(default_factory=list)

    @field_validator("actions", mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        """`- hide` is short for `- {kind: hide}`."""
        if isinstance(value, list):
            return [{"kind": item} if isinstance(item, str) else item for item in value]
        return value


class PolicySettings(_Strict):
    strikes_before_block: int = Field(ge=1)
    severe_labels: list[str]
    community_window_minutes: int = Field(ge=0)
    """R10 default when the account does not set its own window."""
    complaint_priority: list[str] = Field(min_length=1)
    negative_labels: list[str] = Field(min_length=1)
    """R14: comments with any of these feed the improvement report."""
    moderation_actions: list[ActionKind] = Field(min_length=1)
    """What survives when a comment is edited: a second reply to an edit is never sent."""
    due_soon_fraction: float = Field(default=0.8, gt=0, lt=1)
    """A "due soon" timer event fires at this fraction of each SLA window."""


class Policy(_Strict):
    version: str = Field(min_length=1, max_length=40)
    thresholds: dict[str, float]
    sla: dict[str, str | SlaEntry]
    settings: PolicySettings
    notes: dict[str, str] = Field(default_factory=dict)
    rules: list[Rule] = Field(min_length=1)

    @field_validator("sla")
    @classmethod
    def _durations(cls, value: dict[str, str | SlaEntry]) -> dict[str, str | SlaEntry]:
        for entry in value.values():
            if isinstance(entry, str):
                parse_duration(entry)
        return value

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)

    def sla_terms(self) -> dict[str, SlaTerm]:
        terms: dict[str, SlaTerm] = {}
        for category, entry in self.sla.items():
            if isinstance(entry, str):
                terms[category] = SlaTerm(parse_duration(entry))
            else:
                terms[category] = SlaTerm(parse_duration(entry.within), entry.business_hours)
        return terms

    def sla_window(self, category: str, start: datetime, account: Account) -> SlaWindow:
        """The deadline from `start`, counted in business hours where the category uses them."""
        term = self.sla_terms().get(category)
        if term is None:
            raise ValueError(
                f"no SLA for category {category!r}; the policy defines {sorted(self.sla)}"
            )
        return sla_window(
            term,
            start,
            calendar_for(account),
            due_soon_fraction=self.settings.due_soon_fraction,
        )

    def passing(self, scores: dict[str, float]) -> list[str]:
        """Labels whose score reaches the policy's threshold, in the policy's label order."""
        return [label for label, t in self.thresholds.items() if scores.get(label, 0.0) >= t]

    def decide(
        self, comment: Comment, labelled: Labelled, context: DecisionContext, *, now: datetime
    ) -> Decision | None:
        """Pure: the first matching rule's decision; None for a removed comment."""
        if context.change == "removed":
            return None
        facts = _Facts(self, comment, labelled, context)
        rule = next((r for r in self.rules if facts.holds(r.when)), None)
        if rule is None:
            raise LookupError(f"policy {self.version} has no rule for labels {labelled.labels}")
        return self._decision(rule, facts, comment, labelled, context, now)

    def decide_escalation(
        self, comment: Comment, labelled: Labelled, context: DecisionContext, *, now: datetime
    ) -> Decision | None:
        """Pure: at an escalation alert, the first `escalated` rule that holds (R11), else None.

        `comment` and `labelled` are the customer's latest message, already decided once: only
        rules that need the alert are tried, so nothing else is planned twice, and the message
        is not counted again (no improvement signal).
        """
        facts = _Facts(self, comment, labelled, context)
        rule = next((r for r in self.rules if r.when.escalated and facts.holds(r.when)), None)
        if rule is None:
            return None
        return replace(
            self._decision(rule, facts, comment, labelled, context, now), improvement=False
        )

    def _decision(
        self,
        rule: Rule,
        facts: _Facts,
        comment: Comment,
        labelled: Labelled,
        context: DecisionContext,
        now: datetime,
    ) -> Decision:
        category = facts.category(rule.sla)
        window = _window(self, rule.sla, category, comment, context, now)
        timer: TimerKind | None = None
        if window is not None and rule.sla is not None:
            timer = "community" if rule.sla.due == "community_window" else "sla"
        actions = [_plan(a, category, context, now, self) for a in rule.actions]
        plans = tuple(a for a in actions if a is not None)
        reason = f"{rule.reason} (labels: {', '.join(labelled.labels) or 'none'})"
        if rule.when.escalated:
            reason += risk_reason(context.exchange)
        effect = rule.exchange
        if context.change == "edited":
            keep = set(self.settings.moderation_actions)
            plans = tuple(p for p in plans if p.kind in keep)
            category, window, timer = None, None, None
            effect = "remove" if effect == "remove" else None
            reason += "; comment edited: only moderation actions are kept"
        return Decision(
            rule_id=rule.id,
            reason=reason,
            actions=plans,
            category=category,
            sla_due_at=window.due_at if window else None,
            improvement=facts.negative,
            strike=rule.strike,
            exchange_effect=effect,
            sla_started_at=window.started_at if window else None,
            sla_due_soon_at=window.due_soon_at if window else None,
            sla_business_hours=window.business_hours if window else False,
            timer=timer,
        )


def risk_reason(exchange: Exchange | None) -> str:
    """The escalation alert behind R11, in words: "; escalation risk 72: negativity +20, …"."""
    if exchange is None or exchange.risk_score is None:
        return ""
    reasons = ", ".join(exchange.risk_reasons or []) or "no reasons given"
    return f"; escalation risk {exchange.risk_score:.0f}: {reasons}"


def matches(pattern: str, labels: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(label, pattern) for label in labels)


class _Facts:
    """What the conditions ask about one comment, computed once."""

    def __init__(
        self, policy: Policy, comment: Comment, labelled: Labelled, context: DecisionContext
    ) -> None:
        self.policy = policy
        self.labels = labelled.labels
        self._matched: dict[str, bool] = {}
        self.scores = labelled.scores
        self.context = context
        exchange = context.exchange
        settings = policy.settings
        self.negative = any(matches(p, self.labels) for p in settings.negative_labels)
        self.severe = any(matches(p, self.labels) for p in settings.severe_labels)
        self.from_customer = exchange is not None and exchange.customer_id == comment.author.id
        self.escalated = (
            is_active(exchange)
            and exchange is not None
            and exchange.escalated_at is None
            and exchange.risk_alerted_at is not None
        )

    def has(self, pattern: str) -> bool:
        """Whether a label matches the pattern; memoised, rules share patterns like `abuse.*`."""
        found = self._matched.get(pattern)
        if found is None:
            found = self._matched[pattern] = matches(pattern, self.labels)
        return found

    def holds(self, when: Conditions) -> bool:
        """Checks in order and stops at the first miss: most rules fail on their labels."""
        return (
            (not when.labels_any or any(self.has(p) for p in when.labels_any))
            and all(self.has(p) for p in when.labels)
            and not any(self.has(p) for p in when.labels_none)
            and all(self.top_score(k) >= v for k, v in when.min_scores.items())
            and _flag(when.negative, self.negative)
            and _flag(when.severe, self.severe)
            and _flag(when.repeat_offender, self._repeat_offender())
            and _flag(when.from_customer, self.from_customer)
            and _flag(when.escalated, self.escalated)
            and (when.account_kind_in is None or self.context.account.kind in when.account_kind_in)
            and (when.exchange_state_in is None or self._state() in when.exchange_state_in)
        )

    def top_score(self, pattern: str) -> float:
        """The score of a label, or the highest score among the labels matching a pattern."""
        if "*" not in pattern:
            return self.scores.get(pattern, 0.0)
        return max(
            (v for k, v in self.scores.items() if fnmatch.fnmatchcase(k, pattern)), default=0.0
        )

    def _repeat_offender(self) -> bool:
        return self.context.author.strikes >= self.policy.settings.strikes_before_block

    def _state(self) -> str:
        exchange = self.context.exchange
        return "none" if exchange is None else exchange.state

    def category(self, sla: SlaSpec | None) -> str | None:
        if sla is None:
            return None
        exchange = self.context.exchange
        if sla.category == EXCHANGE_CATEGORY and exchange and exchange.category:
            return exchange.category
        if sla.category in (EXCHANGE_CATEGORY, COMPLAINT_CATEGORY):
            priority = self.policy.settings.complaint_priority
            return next((c for c in priority if c in self.labels), None)
        return sla.category


def _flag(wanted: bool | None, actual: bool) -> bool:
    return wanted is None or wanted == actual


def _community_window(policy: Policy, context: DecisionContext) -> timedelta:
    account = context.account
    if "community_window_minutes" in account.model_fields_set:
        return timedelta(minutes=account.community_window_minutes)
    return timedelta(minutes=policy.settings.community_window_minutes)


def _window(
    policy: Policy,
    sla: SlaSpec | None,
    category: str | None,
    comment: Comment,
    context: DecisionContext,
    now: datetime,
) -> SlaWindow | None:
    """The clock starts when the customer wrote (never later than now); R10 waits the window."""
    if sla is None or category is None:
        return None
    if sla.due == "community_window":
        return SlaWindow(now, None, now + _community_window(policy, context))
    return policy.sla_window(category, min(comment.created_at, now), context.account)


def _plan(
    spec: ActionSpec, category: str | None, context: DecisionContext, now: datetime, policy: Policy
) -> ActionPlan | None:
    if spec.if_account is not None and not getattr(context.account, spec.if_account):
        return None
    template = category if spec.template == CATEGORY_TEMPLATE else spec.template
    not_before = None
    if spec.after == "community_window":
        not_before = now + _community_window(policy, context)
    return ActionPlan(kind=spec.kind, template=template, not_before=not_before)
