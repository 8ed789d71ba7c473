"""Which timers a batch starts, restarts, cancels and meets; R10's follow-up decision."""

from __future__ import annotations

from datetime import timedelta

from services.triage.domain.batch import TriageItem, TriageState, decide_in_order
from services.triage.domain.community import FOLLOW_UP_RULE, community_follow_up
from services.triage.domain.ids import follow_up_decision_id
from services.triage.domain.timers import Timer, met_by_reply, timer_event_id, timer_id
from services.triage.use_cases.comments import to_event
from shared.accounts import Account
from shared.contracts import Comment, DecisionMade
from tests.triage.factories import NOW, account, comment, labeller, policy, received


def _run(
    texts: list[tuple[str, Comment]], acc: Account, state: TriageState | None = None
) -> tuple[TriageState, list[str]]:
    """Decide comments in order with decision ids, as the handler does."""
    state = state or TriageState()
    labelled = labeller().label_batch([(t, acc.language) for t, _ in texts])
    items = [
        TriageItem(c, "created", lab, acc, f"d-{c.comment_id}")
        for (_, c), lab in zip(texts, labelled, strict=True)
    ]
    decisions = decide_in_order(policy(), items, state, now=NOW)
    return state, [d.rule_id if d else "-" for d in decisions]


def _thread(c: str, text: str, author: str = "u1") -> tuple[str, Comment]:
    parent = None if c == "c1" else "c1"
    return text, comment(text, comment_id=c, parent_id=parent, author_id=author)


def test_a_complaint_starts_one_sla_timer_with_due_soon_de_and_en() -> None:
    for lang, text in [("de", "Mein Paket ist nie angekommen."), ("en", "My order never arrived.")]:
        state, rules = _run([_thread("c1", text)], account(language=lang))
        assert rules == ["R1"]
        (timer,) = state.timers.starts()
        assert timer.timer_id == timer_id("d-c1", "sla")
        assert (timer.kind, timer.category) == ("sla", "complaint.product")
        assert timer.due_at == NOW + timedelta(hours=1)
        assert timer.due_soon_at == NOW + timedelta(minutes=48)
        assert state.timers.cancellations() == {}


def test_r4_a_new_customer_message_cancels_the_pending_timer_and_starts_a_new_one() -> None:
    first, _ = _run([_thread("c1", "Mein Paket ist nie angekommen.")], account())
    (old,) = first.timers.starts()
    state = TriageState(exchanges=first.exchanges)
    state.timers.pending = {old.thread_id: [old]}
    state, rules = _run([_thread("c2", "Immer noch nicht angekommen!")], account(), state)
    assert rules == ["R4"]
    (new,) = state.timers.starts()
    assert new.decision_id == "d-c2" and new.timer_id != old.timer_id
    assert state.timers.cancellations() == {old.timer_id: "superseded by decision d-c2 (R4)"}


def test_resolution_cancels_and_a_timer_started_and_ended_in_one_batch_is_never_started() -> None:
    state, rules = _run(
        [_thread("c1", "My order never arrived."), _thread("c2", "Thanks, it arrived now!")],
        account(language="en"),
    )
    assert rules == ["R1", "R12"]
    assert state.timers.starts() == []
    assert state.timers.cancellations() == {}
    assert state.timers.cancelled == {timer_id("d-c1", "sla"): "exchange resolved"}


def test_r10_community_window_and_a_community_member_answer_cancels_it() -> None:
    acc = account("influencer", "en", community_window_minutes=30)
    state, rules = _run([_thread("c1", "My order never arrived.")], acc)
    assert rules == ["R10"]
    (community,) = state.timers.starts()
    assert (community.kind, community.due_at, community.due_soon_at) == (
        "community",
        NOW + timedelta(minutes=30),
        None,
    )
    assert state.exchanges[community.thread_id].state == "open"
    # The customer and the page itself do not count as the community ...
    _run([_thread("c2", "Hello?"), _thread("c3", "We are on it", author="1001")], acc, state)
    assert state.timers.cancelled == {}
    # ... anyone else in the thread does.
    _run([_thread("c4", "Same here, the support helped me.", author="u2")], acc, state)
    assert state.timers.cancelled == {community.timer_id: "community member u2 answered"}


def test_replies_meet_only_in_time_and_only_sla_timers() -> None:
    state, _ = _run([_thread("c1", "Mein Paket ist nie angekommen.")], account())
    (timer,) = state.timers.starts()
    assert met_by_reply([timer], timer.due_at) == [timer]
    assert met_by_reply([timer], timer.due_at + timedelta(seconds=1)) == []
    community = Timer(**{**timer.__dict__, "kind": "community"})
    assert met_by_reply([community], NOW) == []


def test_ids_are_deterministic() -> None:
    assert timer_id("d1", "sla") == timer_id("d1", "sla") != timer_id("d1", "community")
    assert timer_event_id("t", "breached") != timer_event_id("t", "met")
    assert follow_up_decision_id("t1") == follow_up_decision_id("t1") != follow_up_decision_id("t2")


def _r10_decision(lang: str, text: str) -> tuple[DecisionMade, Account]:
    acc = account("influencer", lang, community_window_minutes=30)
    c = comment(text)
    labelled = labeller().label_batch([(text, lang)])[0]
    decision = policy().decide(
        c, labelled, TriageState().context(TriageItem(c, "created", labelled, acc)), now=NOW
    )
    assert decision is not None and decision.rule_id == "R10"
    return to_event(received(c), "d-r10", labelled, decision, policy().version, NOW), acc


def test_an_elapsed_community_window_becomes_our_reply_de_and_en() -> None:
    for lang, text in [("de", "Mein Paket ist nie angekommen."), ("en", "My order never arrived.")]:
        original, acc = _r10_decision(lang, text)
        fired_at = NOW + timedelta(minutes=30)
        follow_up, timer = community_follow_up(original, "t-community", policy(), acc, fired_at)
        assert follow_up.decision_id == follow_up.event_id == follow_up_decision_id("t-community")
        assert follow_up.rule_id == FOLLOW_UP_RULE
        assert [(a.kind, a.template) for a in follow_up.actions] == [("reply", "complaint.product")]
        assert follow_up.actions[0].action_id == f"{follow_up.decision_id}:reply"
        assert (follow_up.comment, follow_up.lang) == (original.comment, lang)
        assert follow_up.sla_due_at == fired_at + timedelta(hours=1)
        assert timer is not None and timer.decision_id == follow_up.decision_id
        assert (timer.kind, timer.started_at, timer.due_at) == (
            "sla",
            fired_at,
            fired_at + timedelta(hours=1),
        )
        again, _ = community_follow_up(original, "t-community", policy(), acc, fired_at)
        assert again == follow_up
