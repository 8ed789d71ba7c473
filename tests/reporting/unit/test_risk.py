"""The escalation score's features, its hysteresis, and the replayed scenarios."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.reporting.domain.risk import (
    NO_TOPICS,
    WEIGHTS,
    TopicIndex,
    account_risk,
    alert_step,
    band,
    score_exchange,
)
from services.reporting.domain.signals import MessageSignal, negativity, toxicity
from services.reporting.domain.summary import apply_response, awaiting_message, fold_messages
from services.reporting.evaluate_risk import evaluate
from services.reporting.evaluation.scenarios import angry_customer, brewing_storm, calm_week

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
WINDOW = timedelta(hours=2)


def msg(
    minutes_ago: float,
    *,
    author: str = "a1",
    thread: str = "t1",
    neg: float = 0.8,
    tox: float = 0.0,
    topics: tuple[str, ...] = ("akku",),
    account: str = "acc",
) -> MessageSignal:
    return MessageSignal(
        decision_id=f"d-{thread}-{author}-{minutes_ago}",
        thread_id=thread,
        platform="facebook",
        account_id=account,
        comment_id=f"c-{minutes_ago}",
        author_id=author,
        at=NOW - timedelta(minutes=minutes_ago),
        negativity=neg,
        toxicity=tox,
        category="complaint.product",
        topics=topics,
        improvement=True,
        text="Akku kaputt",
    )


def points(thread: list[MessageSignal], **kw: object) -> dict[str, float]:
    others = kw.pop("others", [])
    risk = score_exchange(
        thread,
        TopicIndex.of(others),  # type: ignore[arg-type]
        sla_due_at=kw.get("due"),  # type: ignore[arg-type]
        sla_state=kw.get("state"),  # type: ignore[arg-type]
        now=NOW,
        window=WINDOW,
    )
    return {r.feature: r.points for r in risk.reasons}


def test_weights_sum_to_a_hundred() -> None:
    assert sum(WEIGHTS.values()) == 100


def test_negativity_and_toxicity_come_from_labels_and_scores() -> None:
    assert negativity(["complaint.product"], {"complaint.product": 0.7}) == 0.7
    assert negativity(["positive"], {"positive": 0.9}) == 0.0
    assert toxicity(["abuse.aggression"], {}) == 1.0
    assert toxicity(["complaint.product"], {"threat": 0.4}) == 0.4


def test_one_calm_message_scores_low_and_explains_itself() -> None:
    risk = score_exchange(
        [msg(1, neg=0.6)], NO_TOPICS, sla_due_at=None, sla_state=None, now=NOW, window=WINDOW
    )
    assert risk.score < 15
    assert [r.feature for r in risk.reasons] == ["negativity"]
    assert "60%" in risk.reasons[0].detail


def test_velocity_counts_messages_in_the_last_half_hour_only() -> None:
    burst = [msg(m) for m in (1, 5, 10, 15, 20, 25)]
    old = [msg(m) for m in (40, 50, 60, 70, 80, 90)]
    assert points(burst)["velocity"] == WEIGHTS["velocity"]
    assert "velocity" not in points(old)


def test_distinct_negative_authors_count_not_positive_ones() -> None:
    angry = [msg(m, author=f"a{m}") for m in (1, 2, 3, 4)]
    friendly = [msg(m, author=f"f{m}", neg=0.1) for m in (1, 2, 3, 4)]
    assert points(angry)["negative_authors"] == WEIGHTS["negative_authors"]
    assert "negative_authors" not in points([msg(5), *friendly])


def test_negativity_trend_and_toxicity_rise_need_a_rise() -> None:
    rising = [
        msg(50, neg=0.2),
        msg(40, neg=0.2),
        msg(30, neg=0.3),
        msg(3, neg=0.9, tox=0.8),
        msg(2, neg=1.0, tox=0.9),
        msg(1, neg=1.0, tox=0.9),
    ]
    flat = [msg(m, neg=0.9, tox=0.9) for m in (50, 40, 30, 3, 2, 1)]
    assert points(rising)["negativity_trend"] == WEIGHTS["negativity_trend"]
    assert points(rising)["toxicity_rise"] > 5
    assert "negativity_trend" not in points(flat)
    assert "toxicity_rise" not in points(flat)


def test_engagement_growth_counts_other_people_joining() -> None:
    opener_only = [msg(m) for m in (1, 2, 3, 4, 5)]
    pile_on = [msg(40), *[msg(m, author=f"o{m}") for m in (1, 2, 3, 4, 5)]]
    assert "engagement_growth" not in points(opener_only)
    assert points(pile_on)["engagement_growth"] == WEIGHTS["engagement_growth"]


def test_storm_counts_exchanges_sharing_a_complaint_keyword() -> None:
    others = [msg(m, thread=f"t{m}", author=f"x{m}") for m in (5, 10, 15, 20)]
    unrelated = [msg(m, thread=f"t{m}", author=f"x{m}", topics=("rechnung",)) for m in (5, 10)]
    assert points([msg(1)], others=others)["storm"] == WEIGHTS["storm"]
    assert "storm" not in points([msg(1)], others=unrelated)


def test_storm_counts_only_the_exchanges_own_account_negative_and_in_the_window() -> None:
    def others(**kw: object) -> list[MessageSignal]:
        return [msg(m, thread=f"t{m}", author=f"x{m}", **kw) for m in (5, 10, 15, 20)]  # type: ignore[arg-type]

    assert "storm" not in points([msg(1)], others=others(account="another-page"))
    assert "storm" not in points([msg(1)], others=others(neg=0.2))
    late = [msg(m - 30, thread=f"t{m}", author=f"x{m}") for m in (5, 10, 15, 20)]  # after NOW
    assert "storm" not in points([msg(1)], others=late)
    old = [msg(m + 200, thread=f"t{m}", author=f"x{m}") for m in (5, 10, 15, 20)]  # past WINDOW
    assert "storm" not in points([msg(1)], others=old)
    repeats = [msg(m, thread="t9", author=f"x{m}") for m in (5, 10, 15, 20)]  # one exchange
    storm = points([msg(1)], others=repeats)["storm"]
    assert storm == WEIGHTS["storm"] / 4


def test_sla_proximity_rises_towards_the_deadline() -> None:
    assert (
        points([msg(1)], due=NOW + timedelta(minutes=30), state="started")["sla_proximity"]
        == WEIGHTS["sla_proximity"] / 2
    )
    assert (
        points([msg(1)], due=NOW - timedelta(minutes=1), state="started")["sla_proximity"]
        == WEIGHTS["sla_proximity"]
    )
    assert "sla_proximity" not in points([msg(1)], due=NOW, state="met")


def test_hysteresis_fires_once_per_crossing() -> None:
    armed, fired = True, []
    for score in (30, 55, 70, 52, 40, 34, 60, 80):
        fire, armed = alert_step(armed, score, threshold=50, rearm=35)
        fired.append(fire)
    assert fired == [False, True, False, False, False, False, True, False]
    assert band(55, threshold=50, rearm=35) == "high"
    assert band(40, threshold=50, rearm=35) == "elevated"
    assert band(10, threshold=50, rearm=35) == "low"


def test_account_risk_is_the_worst_exchange_plus_the_number_of_hot_ones() -> None:
    risk = account_risk("acc", [("t1", 70.0), ("t2", 55.0), ("t3", 10.0)], threshold=50)
    assert risk.score == 75.0
    assert risk.high_exchanges == 2
    assert "t1" in risk.reasons[0]


def test_the_storm_alerts_before_its_peak_without_false_alarms() -> None:
    outcome = evaluate(brewing_storm(), threshold=50, rearm=35, window=WINDOW)
    assert outcome.first_alert_index is not None
    assert outcome.lead is not None and outcome.lead > 0
    assert outcome.false_alarms == 0


def test_a_calm_week_and_one_angry_customer_raise_no_alert() -> None:
    for scenario in (calm_week(), angry_customer()):
        outcome = evaluate(scenario, threshold=50, rearm=35, window=WINDOW)
        assert outcome.alerts == 0, scenario.name


def test_storm_saturates_at_five_exchanges_however_many_raised_the_topic() -> None:
    thread = [msg(1)]
    storm = [msg(1 + k / 100, thread=f"t{k + 2}", author=f"a{k}") for k in range(5000)]
    risk = score_exchange(
        thread, TopicIndex.of(storm), sla_due_at=None, sla_state=None, now=NOW, window=WINDOW
    )
    reason = next(r for r in risk.reasons if r.feature == "storm")
    assert reason.points == WEIGHTS["storm"]
    assert "at least 5 exchanges" in reason.detail


def test_a_reply_seen_before_its_message_waits_in_the_summary() -> None:
    """Streams are not ordered: the reply's time survives until the decision brings the message."""
    held = apply_response(awaiting_message("t1", "facebook", "acc", NOW), NOW)
    folded = fold_messages(held, [msg(30)], sla_due=None)
    assert folded.first_response_at == NOW
    assert folded.first_message_at == NOW - timedelta(minutes=30)
    assert folded.last_customer_at == NOW - timedelta(minutes=30)
    assert folded.messages == 1
