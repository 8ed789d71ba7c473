"""Reporting's escalation scenarios, replayed through triage: R11 moves private at the alert.

One score decides "heating up" (issue #13): reporting's risk alert. Each scenario of
`services/reporting/evaluation/` is decided message by message by triage's policy (its labels
fed straight in as `Labelled`, no classifier), while reporting's replay says after which message
an alert fires; each alert is handled as triage's alerts use case does (`record_alert`,
`wants_escalation`, `decide_escalation`). The private move must happen exactly at an alert,
once per exchange, and nowhere without one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest

from services.reporting.evaluation.replay import Alert, replay
from services.reporting.evaluation.scenarios import Scenario, all_scenarios
from services.triage.domain.batch import TriageItem, TriageState, decide_in_order
from services.triage.domain.labelling import Labelled
from services.triage.use_cases.alerts import record_alert, wants_escalation
from shared.settings import Settings
from tests.triage.factories import account, alert, policy

DEFAULTS = Settings(_env_file=None)


def _alerts(s: Scenario) -> dict[int, list[Alert]]:
    fired = replay(
        s.decisions,
        threshold=DEFAULTS.risk_alert_threshold,
        rearm=DEFAULTS.risk_alert_rearm,
        window=timedelta(minutes=DEFAULTS.risk_window_minutes),
    )
    by_index: dict[int, list[Alert]] = defaultdict(list)
    for a in fired:
        by_index[a.index].append(a)
    return by_index


def _private_moves(s: Scenario) -> tuple[dict[str, list[int]], dict[int, list[Alert]]]:
    """Per thread, the message indexes after which triage decided R11."""
    p, acc, state = policy(), account(), TriageState()
    alerts = _alerts(s)
    moves: dict[str, list[int]] = defaultdict(list)
    latest: dict[tuple[str, str], TriageItem] = {}
    for index, d in enumerate(sorted(s.decisions, key=lambda d: d.occurred_at)):
        labelled = Labelled(lang=d.lang, labels=d.labels, scores=d.scores)
        item = TriageItem(d.comment, "created", labelled, acc, d.decision_id)
        latest[(d.comment.thread_id, d.comment.author.id)] = item
        [decision] = decide_in_order(p, [item], state, now=d.occurred_at)
        assert decision is None or not decision.rule_id.startswith("R11"), "R11 without alert"
        for a in alerts.get(index, []):
            exchange = state.exchanges.get(a.thread_id)
            if exchange is None:
                continue
            state.exchanges[a.thread_id] = record_alert(
                exchange, alert(a.thread_id, a.score), now=d.occurred_at
            )
            customer = latest.get((a.thread_id, exchange.customer_id))
            if not wants_escalation(exchange) or customer is None or customer.labelled is None:
                continue
            context = state.context(customer)
            moved = p.decide_escalation(
                customer.comment, customer.labelled, context, now=d.occurred_at
            )
            if moved is not None:
                assert moved.rule_id.startswith("R11")
                assert {a.kind for a in moved.actions} >= {"reply", "private_reply"}
                state.apply(customer, moved, now=d.occurred_at)
                moves[a.thread_id].append(index)
    return moves, alerts


@pytest.mark.parametrize("scenario", all_scenarios(), ids=lambda s: s.name)
def test_the_private_move_happens_at_the_alert_once_per_exchange(scenario: Scenario) -> None:
    moves, alerts = _private_moves(scenario)
    alerted = {a.thread_id: i for i, fired in sorted(alerts.items(), reverse=True) for a in fired}
    for thread, indexes in moves.items():
        assert len(indexes) == 1, f"{thread} moved private {len(indexes)} times"
        assert indexes == [alerted[thread]], "the move is the thread's first alert"
    if scenario.expect_alert:  # the storm: its alerted exchange is taken private at the alert
        assert set(moves) == set(alerted) and set(moves) <= scenario.storm_threads
    else:  # a calm week and one angry person alone are no escalation (docs/reporting.md)
        assert not alerts and not moves
