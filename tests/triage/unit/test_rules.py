"""Every rule of POLICY.md through decide(), with labelled inputs: no trained model involved.

The classifier is tested on its own (test_model_*.py, `make eval`); here a comment's labels and
scores are given, so retraining the model can never break a rule test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from services.triage.domain.context import Exchange
from services.triage.domain.labelling import Labelled
from tests.triage.factories import NOW, account, comment, context, exchange, policy


def labelled(lang: str = "de", **scores: float) -> Labelled:
    """A classified comment: the given scores (`complaint__product=0.9`), labels by the policy."""
    named = {k.replace("__", "."): v for k, v in scores.items()}
    return Labelled(lang=lang, labels=policy().passing(named), scores=named)


@dataclass(frozen=True)
class Case:
    rule: str
    scores: dict[str, float]
    kinds: tuple[str, ...]
    category: str | None = None
    in_thread: Exchange | None = None
    strikes: int = 0
    kind: str = "business"
    langs: tuple[str, ...] = field(default=("de", "en"))


OPEN = exchange()
HEATED = exchange(risk_score=72.0)
R8 = ("preserve_evidence", "delete", "report_to_platform", "flag_for_human", "block_author")
P, CS, SM = "complaint.product", "complaint.customer_service", "complaint.social_media"

CASES = [
    Case("R1", {P: 0.9}, ("reply",), P),
    Case("R2", {CS: 0.9}, ("reply",), CS),
    Case("R3", {SM: 0.9}, ("reply",), SM),
    Case("R4", {P: 0.9}, ("reply",), P, OPEN),
    Case("R5", {"trivial": 0.8}, ()),
    Case("R6", {"troll": 0.8}, ()),
    Case("R7", {"abuse.insult": 0.9}, ("hide",)),
    Case("R7.spam", {"abuse.spam": 0.95, P: 0.8}, ("hide",)),
    Case("R7.complaint", {"abuse.insult": 0.9, P: 0.8}, ("hide", "private_reply"), P),
    Case("R7.review", {"abuse.insult": 0.6}, ("flag_for_human",)),
    Case("R7.unsure_complaint", {"abuse.profanity": 0.95, P: 0.3}, ("flag_for_human",)),
    Case("R8", {"threat": 0.9}, R8),
    Case("R8.review", {"threat": 0.55}, ("preserve_evidence", "flag_for_human")),
    Case("R9.severe", {"abuse.hate": 0.95}, ("hide", "block_author")),
    Case("R9.repeat", {"abuse.insult": 0.9}, ("hide", "block_author"), strikes=2),
    Case("R10", {P: 0.9}, ("await_community",), P, kind="influencer"),
    Case("R11", {P: 0.9}, ("reply", "private_reply"), P, HEATED),
    Case("R12", {"positive": 0.9}, ("request_deletion",), None, OPEN),
    Case("R0.positive", {"positive": 0.9}, ()),
    Case("R0.none", {"neutral": 0.9}, ()),
]
RUNS = [(c, lang) for c in CASES for lang in c.langs]


@pytest.mark.parametrize(("case", "lang"), RUNS, ids=[f"{c.rule}-{lang}" for c, lang in RUNS])
def test_rule_fires_with_its_actions(case: Case, lang: str) -> None:
    msg = comment(
        "text",
        comment_id="c2" if case.in_thread else "c1",
        parent_id="c1" if case.in_thread else None,
    )
    ctx = context(
        acc=account(kind=case.kind, language=lang),  # type: ignore[arg-type]
        strikes=case.strikes,
        ex=case.in_thread,
    )
    decision = policy().decide(msg, labelled(lang, **case.scores), ctx, now=NOW)
    assert decision is not None
    assert (decision.rule_id, tuple(a.kind for a in decision.actions)) == (case.rule, case.kinds)
    assert decision.category == case.category
    assert decision.reason.startswith(policy().rules[policy().rule_ids.index(case.rule)].reason)


@pytest.mark.parametrize("rude", ["abuse__profanity", "abuse__insult"])
def test_a_rude_word_in_a_real_complaint_never_hides_it_unless_sure_it_attacks_people(
    rude: str,
) -> None:
    """Profanity in a complaint gets the complaint's reply; an unsure insult does too."""
    profane = labelled(complaint__product=0.9, abuse__profanity=0.95)
    unsure = labelled(complaint__product=0.9, abuse__insult=0.7)
    for lab in (profane, unsure):
        decision = policy().decide(comment("x"), lab, context(), now=NOW)
        assert decision is not None
        assert (decision.rule_id, [a.kind for a in decision.actions]) == ("R1", ["reply"])
    sure = labelled("de", complaint__product=0.9, **{rude: 0.9})
    decision = policy().decide(comment("x"), sure, context(), now=NOW)
    assert decision is not None
    expected = "R7.complaint" if rude == "abuse__insult" else "R1"
    assert decision.rule_id == expected


def test_rude_text_with_some_complaint_evidence_goes_to_a_human_not_hidden() -> None:
    """Complaint evidence under the label bar: hiding it could silence a real complaint."""
    for rude in ("abuse__profanity", "abuse__insult", "abuse__aggression"):
        for complaint, rule in ((0.3, "R7.unsure_complaint"), (0.1, "R7")):
            lab = labelled("de", complaint__customer_service=complaint, **{rude: 0.95})
            decision = policy().decide(comment("x"), lab, context(), now=NOW)
            assert decision is not None
            assert decision.rule_id == rule, (rude, complaint)
            assert "hide" not in [a.kind for a in decision.actions] or rule == "R7"


def test_hate_below_the_blocking_score_is_hidden_without_a_block() -> None:
    decision = policy().decide(comment("x"), labelled(abuse__hate=0.82), context(), now=NOW)
    assert decision is not None
    assert (decision.rule_id, [a.kind for a in decision.actions]) == ("R7", ["hide"])


def test_every_rule_of_the_file_has_a_german_and_an_english_case() -> None:
    covered = {(c.rule, lang) for c, lang in RUNS}
    for rule_id in policy().rule_ids:
        assert {(rule_id, "de"), (rule_id, "en")} <= covered, rule_id


def test_sla_due_time_follows_the_category_and_starts_when_the_customer_wrote() -> None:
    written = NOW - timedelta(hours=2)
    lab = labelled(complaint__customer_service=0.9)
    decision = policy().decide(comment("x", created_at=written), lab, context(), now=NOW)
    assert decision is not None and decision.sla_due_at == written + timedelta(hours=24)


def test_r4_restarts_the_clock_of_the_exchange_category_not_the_message_label() -> None:
    msg = comment("x", comment_id="c2", parent_id="c1")
    lab = labelled(complaint__customer_service=0.9)
    decision = policy().decide(msg, lab, context(ex=OPEN), now=NOW)
    assert decision is not None and decision.rule_id == "R4"
    assert (decision.category, decision.sla_due_at) == (P, NOW + timedelta(hours=1))
    assert decision.actions[0].template == P


def test_r10_waits_for_the_community_window_of_the_account() -> None:
    text = "My parcel never arrived."
    lab = labelled("en", complaint__product=0.9)
    acc = account(kind="influencer", language="en", community_window_minutes=30)
    decision = policy().decide(comment(text), lab, context(acc=acc), now=NOW)
    assert decision is not None
    assert decision.actions[0].not_before == NOW + timedelta(minutes=30)
    default = policy().decide(comment(text), lab, context(acc=account(kind="personal")), now=NOW)
    assert default is not None
    assert default.actions[0].not_before == NOW + timedelta(minutes=60)


def test_r11_fires_once_per_exchange() -> None:
    msg = comment("x", comment_id="c5", parent_id="c1")
    cooled = exchange(escalated_at=NOW - timedelta(minutes=5))
    lab = labelled("en", complaint__product=0.9)
    decision = policy().decide(msg, lab, context(ex=cooled), now=NOW)
    assert decision is not None and decision.rule_id == "R4"


def test_r12_does_not_ask_for_deletion_where_the_account_does_not_want_it() -> None:
    acc = account(ask_deletion_after_resolution=False)
    msg = comment("x", comment_id="c2", parent_id="c1")
    decision = policy().decide(msg, labelled(positive=0.9), context(acc=acc, ex=OPEN), now=NOW)
    assert decision is not None
    assert (decision.rule_id, decision.actions, decision.exchange_effect) == ("R12", (), "resolve")


def test_thanks_from_someone_else_does_not_resolve_the_exchange() -> None:
    msg = comment("x", comment_id="c3", parent_id="c1", author_id="bystander")
    decision = policy().decide(msg, labelled(positive=0.9), context(ex=OPEN), now=NOW)
    assert decision is not None and decision.rule_id == "R0.positive"


def test_an_edited_complaint_gets_no_second_reply_but_edited_abuse_is_still_hidden() -> None:
    edited = context(change="edited")
    first = policy().decide(comment("x"), labelled(complaint__product=0.9), edited, now=NOW)
    second = policy().decide(comment("y"), labelled(abuse__insult=0.9), edited, now=NOW)
    assert first is not None and second is not None
    assert (first.rule_id, first.actions, first.category) == ("R1", (), None)
    assert first.sla_due_at is None
    assert [a.kind for a in second.actions] == ["hide"] and second.strike


def test_a_removed_comment_yields_no_decision() -> None:
    lab = labelled(complaint__product=0.9)
    assert policy().decide(comment("x"), lab, context(change="removed"), now=NOW) is None


def test_negative_comments_carry_the_improvement_flag_and_others_do_not() -> None:
    inputs = [labelled(complaint__product=0.9), labelled(troll=0.8), labelled(positive=0.9)]
    flags = [
        policy().decide(comment("x"), lab, context(), now=NOW).improvement  # type: ignore[union-attr]
        for lab in inputs
    ]
    assert flags == [True, True, False]


def test_every_reply_rule_notes_r13() -> None:
    replying = {"reply", "private_reply", "request_deletion", "await_community"}
    for rule in policy().rules:
        if replying & {a.kind for a in rule.actions}:
            assert "R13" in rule.notes, rule.id


def test_at_an_escalation_alert_only_r11_is_decided_with_the_alerts_reasons() -> None:
    heated = context(ex=exchange(risk_score=72.0))
    rude = labelled("de", complaint__product=0.9, abuse__insult=0.95)
    decision = policy().decide_escalation(comment("x", comment_id="c2"), rude, heated, now=NOW)
    assert decision is not None
    assert (decision.rule_id, [a.kind for a in decision.actions]) == (
        "R11",
        ["reply", "private_reply"],
    )
    assert "escalation risk 72: negativity +20, velocity +15" in decision.reason
    assert decision.exchange_effect == "escalate" and not decision.improvement


def test_no_alert_or_an_earlier_escalation_means_no_r11() -> None:
    complaint = labelled("de", complaint__product=0.9)
    for ex in (exchange(), exchange(risk_score=72.0, escalated_at=NOW)):
        ctx = context(ex=ex)
        msg = comment("x", comment_id="c2", parent_id="c1")
        assert policy().decide_escalation(msg, complaint, ctx, now=NOW) is None
        decision = policy().decide(msg, complaint, ctx, now=NOW)
        assert decision is not None and decision.rule_id == "R4"
