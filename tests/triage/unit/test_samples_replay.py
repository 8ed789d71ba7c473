"""Replaying samples/comments.ndjson through labeller + decide fires every rule R1–R12.

R11 needs reporting's escalation alert: the replay sends one for every exchange still active at
the end and decides it as triage's alerts use case does (`record_alert`, `decide_escalation`).
"""

from __future__ import annotations

import json
from collections import Counter

from services.triage.domain.batch import TriageItem, TriageState, decide_in_order
from services.triage.domain.context import Decision
from services.triage.use_cases.alerts import record_alert, wants_escalation
from shared.accounts import AccountDirectory
from shared.contracts import Comment
from tests.triage.factories import NOW, ROOT, account, alert, comment, labeller, policy

SAMPLES = ROOT / "samples" / "comments.ndjson"


def _load_samples() -> list[Comment]:
    """Thread ids the way ingest assigns them: platform:top-level comment id."""
    threads: dict[str, str] = {}
    comments = []
    for line in SAMPLES.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        key = f"{raw['platform']}:{raw['comment_id']}"
        parent = raw["parent_id"]
        threads[key] = key if parent is None else threads[f"{raw['platform']}:{parent}"]
        comments.append(Comment.model_validate({**raw, "thread_id": threads[key]}))
    return comments


def test_replaying_the_samples_fires_every_rule_r1_to_r12() -> None:
    comments = _load_samples()
    accounts = AccountDirectory.load(ROOT / "config" / "accounts.yaml", accept_unknown=False)
    owners = [accounts.get(c.platform, c.account_id) for c in comments]
    labelled = labeller().label_batch(
        [(c.text, a.language) for c, a in zip(comments, owners, strict=True)]
    )
    items = [
        TriageItem(c, "created", lab, a)
        for c, lab, a in zip(comments, labelled, owners, strict=True)
    ]
    state = TriageState()
    decisions = decide_in_order(policy(), items, state, now=NOW)
    decisions += _alert_every_active_exchange(items, state)
    fired = Counter(d.rule_id.split(".")[0] for d in decisions if d is not None)
    assert {f"R{n}" for n in range(1, 13)} <= set(fired), fired
    assert 25 <= len(comments) <= 40
    languages = {lab.lang for lab in labelled}
    assert languages == {"de", "en"}


def _alert_every_active_exchange(items: list[TriageItem], state: TriageState) -> list[Decision]:
    """Per active exchange, an alert on its customer's latest message, decided like triage."""
    out = []
    for thread, exchange in list(state.exchanges.items()):
        if not wants_escalation(exchange):
            continue
        state.exchanges[thread] = record_alert(exchange, alert(thread), now=NOW)
        mine = [i for i in items if i.comment.thread_id == thread]
        latest = [i for i in mine if i.comment.author.id == exchange.customer_id][-1]
        assert latest.labelled is not None
        decision = policy().decide_escalation(
            latest.comment, latest.labelled, state.context(latest), now=NOW
        )
        if decision is not None:
            state.apply(latest, decision, now=NOW)
            out.append(decision)
    return out


def test_comments_of_one_thread_in_one_batch_see_each_other() -> None:
    texts = [
        ("c1", None, "Mein Paket ist nie angekommen."),
        ("c2", "c1", "Immer noch nicht angekommen, ich will mein Geld zurück!"),
        ("c3", "c1", "Schon wieder nichts, die Hotline antwortet auch nicht!"),
        ("c4", "c1", "Danke, jetzt ist alles da!"),
    ]
    comments = [comment(t, comment_id=cid, parent_id=parent) for cid, parent, t in texts]
    labelled = labeller().label_batch([(c.text, "de") for c in comments])
    pairs = zip(comments, labelled, strict=True)
    items = [TriageItem(c, "created", lab, account()) for c, lab in pairs]
    state = TriageState()
    decisions = decide_in_order(policy(), items, state, now=NOW)
    assert [d.rule_id for d in decisions if d] == ["R1", "R4", "R4", "R12"]
    final = state.exchanges["facebook:c1"]
    assert (final.state, final.escalated_at) == ("resolved", None)
    assert state.touched_threads == {"facebook:c1"}


def test_strikes_accumulate_within_a_batch_and_block_on_the_third_offence() -> None:
    texts = ["Ihr Idioten!", "Ihr Trottel!", "Ihr Deppen!"]
    comments = [comment(t, comment_id=f"c{i}", author_id="troll") for i, t in enumerate(texts)]
    labelled = labeller().label_batch([(t, "de") for t in texts])
    pairs = zip(comments, labelled, strict=True)
    items = [TriageItem(c, "created", lab, account()) for c, lab in pairs]
    state = TriageState()
    decisions = decide_in_order(policy(), items, state, now=NOW)
    assert [d.rule_id for d in decisions if d] == ["R7", "R7", "R9.repeat"]
    key = ("facebook", "1001", "troll")
    assert state.strike_deltas[key] == 3
    assert state.authors[key].blocked and state.authors[key].strikes == 3


def test_a_removed_top_comment_closes_its_exchange_without_a_decision() -> None:
    first = comment("Mein Akku ist kaputt.")
    [lab] = labeller().label_batch([(first.text, "de")])
    state = TriageState()
    decisions = decide_in_order(
        policy(),
        [
            TriageItem(first, "created", lab, account()),
            TriageItem(first, "removed", None, account()),
        ],
        state,
        now=NOW,
    )
    assert decisions[1] is None
    assert state.exchanges["facebook:c1"].state == "removed"
