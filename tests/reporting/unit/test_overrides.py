"""Agents' overrides per label and account, and the threshold that would have matched them."""

from __future__ import annotations

from services.reporting.domain.overrides import (
    ALL_ACCOUNTS,
    Case,
    best_threshold,
    override_report,
    table,
    verdicts,
)


def _case(account: str, tokens: tuple[str, ...], labels: set[str], **scores: float) -> Case:
    return Case(
        account, tokens, frozenset(labels), {k.replace("_", "."): v for k, v in scores.items()}
    )


def test_a_verdict_is_what_the_agent_said_of_a_label_and_a_family_denial_covers_its_members() -> (
    None
):
    said = verdicts(("not:abuse", "complaint.customer_service"))
    assert said["complaint.customer_service"] is True
    assert said["abuse.insult"] is False and said["abuse.spam"] is False
    assert "threat" not in said and "complaint.product" not in said


def test_the_best_threshold_matches_the_most_verdicts_and_stays_near_the_default() -> None:
    # Agents say insult applies from 0.35 up and not below: the policy's 0.5 misses two.
    pairs = [(0.2, False), (0.3, False), (0.36, True), (0.42, True), (0.6, True), (0.7, True)]
    best = best_threshold(pairs)
    assert best.matched == 6 and 0.3 < best.threshold <= 0.36
    assert best_threshold([(0.93, False)]).threshold == 0.935
    assert best_threshold([(0.6, True), (0.4, False)]).threshold == 0.5  # 0.5 already matches


def test_the_report_counts_added_removed_and_agreed_per_account_and_overall() -> None:
    cases = [
        _case("a", ("not:abuse",), {"abuse.insult"}, abuse_insult=0.55),
        _case("a", ("not:abuse",), {"abuse.insult"}, abuse_insult=0.62),
        _case("a", ("abuse.insult",), {"abuse.insult"}, abuse_insult=0.91),
        _case("b", ("threat",), set(), threat=0.31),
    ]
    rows = {(r.label, r.account_id): r for r in override_report(cases)}
    insult = rows[("abuse.insult", "a")]
    assert (insult.corrections, insult.agreed, insult.removed, insult.added) == (3, 1, 2, 0)
    assert insult.suggestion is not None and 0.62 < insult.suggestion.threshold <= 0.91
    assert insult.suggestion.matched == 3
    threat = rows[("threat", "b")]
    assert (threat.added, threat.override_rate) == (1, 1.0)
    assert threat.suggestion is not None and threat.suggestion.threshold <= 0.31
    assert rows[("threat", ALL_ACCOUNTS)].corrections == 1
    spam = rows[("abuse.spam", "a")]  # denied by "not:abuse" and not given: agreed
    assert (spam.agreed, spam.suggestion) == (2, None)
    assert override_report([]) == []


def test_the_table_reads_as_markdown() -> None:
    cases = [_case("a", ("not:threat",), {"threat"}, threat=0.7)]
    text = table(override_report(cases))
    assert text.splitlines()[0].startswith("| label | account |")
    assert "| threat | * | 1 | 0 | 0 | 1 | 100% | ≥ 0.705 (1/1) |" in text
