"""Every rule of POLICY.md, in German and English, through the real classifier and decide()."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from services.triage.domain.context import Exchange
from tests.triage.factories import NOW, account, comment, context, exchange, labeller, policy


@dataclass(frozen=True)
class Case:
    rule: str
    lang: str
    text: str
    kinds: tuple[str, ...]
    category: str | None = None
    in_thread: Exchange | None = None
    strikes: int = 0
    kind: str = "business"


OPEN = exchange(negative_messages=1)
HEATED = exchange(negative_messages=2)
R8 = ("preserve_evidence", "delete", "report_to_platform", "flag_for_human", "block_author")
P, CS, SM = "complaint.product", "complaint.customer_service", "complaint.social_media"

CASES = [
    Case("R1", "de", "Mein neuer Akku ist nach einer Woche kaputt.", ("reply",), P),
    Case("R1", "en", "The charger I bought is defective and stopped working.", ("reply",), P),
    Case("R2", "de", "Euer Kundenservice hat mich dreimal abgewimmelt.", ("reply",), CS),
    Case("R2", "en", "I was on hold for an hour, then the agent hung up on me.", ("reply",), CS),
    Case("R3", "de", "Diese Werbung ist total irreführend.", ("reply",), SM),
    Case("R3", "en", "Your post about the sale is misleading.", ("reply",), SM),
    Case("R4", "de", "Es funktioniert immer noch nicht, ich warte.", ("reply",), P, OPEN),
    Case("R4", "en", "It still doesn't work and I am still waiting.", ("reply",), P, OPEN),
    Case("R5", "de", "Naja, die Farbe ist ein bisschen blass.", ()),
    Case("R5", "en", "The box is slightly ugly, a minor thing.", ()),
    Case("R6", "de", "Hahaha, kauft eh keiner 😂", ()),
    Case("R6", "en", "Imagine paying for this lol 🤡", ()),
    Case("R7", "de", "Ihr seid alle Vollpfosten.", ("hide",)),
    Case("R7", "en", "You guys are a bunch of morons.", ("hide",)),
    Case("R7.complaint", "de", "Euer scheiß Gerät ist schon wieder kaputt.",
         ("hide", "private_reply"), P),
    Case("R7.complaint", "en", "This fucking phone is broken again.", ("hide", "private_reply"), P),
    Case("R8", "de", "Ich bring euch alle um.", R8),
    Case("R8", "en", "I will kill you all.", R8),
    Case("R9.severe", "de", "Ausländer raus, ihr Untermenschen!", ("hide", "block_author")),
    Case("R9.severe", "en", "All immigrants are vermin.", ("hide", "block_author")),
    Case("R9.repeat", "de", "Ihr Idioten!", ("hide", "block_author"), strikes=2),
    Case("R9.repeat", "en", "You idiots!", ("hide", "block_author"), strikes=2),
    Case("R10", "de", "Mein Paket ist nie angekommen.", ("await_community",), P, kind="influencer"),
    Case("R10", "en", "My parcel never arrived.", ("await_community",), P, kind="influencer"),
    Case("R11", "de", "Schon wieder ist der Akku kaputt, das dritte Mal!",
         ("reply", "private_reply"), P, HEATED),
    Case("R11", "en", "The device is broken for the third time!", ("reply", "private_reply"), P,
         HEATED),
    Case("R12", "de", "Danke, jetzt funktioniert alles!", ("request_deletion",), None, OPEN),
    Case("R12", "en", "Thanks, works perfectly now!", ("request_deletion",), None, OPEN),
    Case("R0.positive", "de", "Tolles Team, vielen Dank!", ()),
    Case("R0.positive", "en", "Great product, love it!", ()),
    Case("R0.none", "de", "Habt ihr am Sonntag geöffnet?", ()),
    Case("R0.none", "en", "Do you ship to Canada?", ()),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}-{c.lang}" for c in CASES])
def test_rule_fires_with_its_actions(case: Case) -> None:
    msg = comment(case.text, comment_id="c2" if case.in_thread else "c1",
                  parent_id="c1" if case.in_thread else None)
    [labelled] = labeller().label_batch([(case.text, case.lang)])
    ctx = context(
        acc=account(kind=case.kind, language=case.lang),  # type: ignore[arg-type]
        strikes=case.strikes,
        ex=case.in_thread,
    )
    decision = policy().decide(msg, labelled, ctx, now=NOW)
    assert decision is not None
    assert labelled.lang == case.lang
    assert (decision.rule_id, tuple(a.kind for a in decision.actions)) == (case.rule, case.kinds)
    assert decision.category == case.category
    assert decision.reason.startswith(policy().rules[policy().rule_ids.index(case.rule)].reason)


def test_every_rule_of_the_file_has_a_german_and_an_english_case() -> None:
    covered = {(c.rule, c.lang) for c in CASES}
    for rule_id in policy().rule_ids:
        assert {(rule_id, "de"), (rule_id, "en")} <= covered, rule_id


def test_sla_due_time_follows_the_category_and_starts_when_the_customer_wrote() -> None:
    text = "Euer Kundenservice hat mich dreimal abgewimmelt."
    [labelled] = labeller().label_batch([(text, "de")])
    written = NOW - timedelta(hours=2)
    decision = policy().decide(comment(text, created_at=written), labelled, context(), now=NOW)
    assert decision is not None and decision.sla_due_at == written + timedelta(hours=24)


def test_r4_restarts_the_clock_of_the_exchange_category_not_the_message_label() -> None:
    text = "Und die Hotline antwortet auch nicht, niemand meldet sich."
    [labelled] = labeller().label_batch([(text, "de")])
    assert labelled.labels == ["complaint.customer_service"]
    msg = comment(text, comment_id="c2", parent_id="c1")
    decision = policy().decide(msg, labelled, context(ex=OPEN), now=NOW)
    assert decision is not None and decision.rule_id == "R4"
    assert (decision.category, decision.sla_due_at) == (P, NOW + timedelta(hours=1))
    assert decision.actions[0].template == P


def test_r10_waits_for_the_community_window_of_the_account() -> None:
    text = "My parcel never arrived."
    [labelled] = labeller().label_batch([(text, "en")])
    acc = account(kind="influencer", language="en", community_window_minutes=30)
    decision = policy().decide(comment(text), labelled, context(acc=acc), now=NOW)
    assert decision is not None
    assert decision.actions[0].not_before == NOW + timedelta(minutes=30)
    default = policy().decide(
        comment(text), labelled, context(acc=account(kind="personal")), now=NOW
    )
    assert default is not None
    assert default.actions[0].not_before == NOW + timedelta(minutes=60)


def test_r11_fires_once_per_exchange() -> None:
    text = "The device is broken for the third time!"
    [labelled] = labeller().label_batch([(text, "en")])
    msg = comment(text, comment_id="c5", parent_id="c1")
    cooled = exchange(negative_messages=5, escalated_at=NOW - timedelta(minutes=5))
    decision = policy().decide(msg, labelled, context(ex=cooled), now=NOW)
    assert decision is not None and decision.rule_id == "R4"


def test_r12_does_not_ask_for_deletion_where_the_account_does_not_want_it() -> None:
    text = "Danke, jetzt funktioniert alles!"
    [labelled] = labeller().label_batch([(text, "de")])
    acc = account(ask_deletion_after_resolution=False)
    msg = comment(text, comment_id="c2", parent_id="c1")
    decision = policy().decide(msg, labelled, context(acc=acc, ex=OPEN), now=NOW)
    assert decision is not None
    assert (decision.rule_id, decision.actions, decision.exchange_effect) == ("R12", (), "resolve")


def test_thanks_from_someone_else_does_not_resolve_the_exchange() -> None:
    text = "Danke, jetzt funktioniert alles!"
    [labelled] = labeller().label_batch([(text, "de")])
    msg = comment(text, comment_id="c3", parent_id="c1", author_id="bystander")
    decision = policy().decide(msg, labelled, context(ex=OPEN), now=NOW)
    assert decision is not None and decision.rule_id == "R0.positive"


def test_an_edited_complaint_gets_no_second_reply_but_edited_abuse_is_still_hidden() -> None:
    complaint, abuse = "Mein Akku ist kaputt.", "Ihr seid alle Vollpfosten."
    labelled = labeller().label_batch([(complaint, "de"), (abuse, "de")])
    edited = context(change="edited")
    first = policy().decide(comment(complaint), labelled[0], edited, now=NOW)
    second = policy().decide(comment(abuse), labelled[1], edited, now=NOW)
    assert first is not None and second is not None
    assert (first.rule_id, first.actions, first.category) == ("R1", (), None)
    assert first.sla_due_at is None
    assert [a.kind for a in second.actions] == ["hide"] and second.strike


def test_a_removed_comment_yields_no_decision() -> None:
    [labelled] = labeller().label_batch([("Mein Akku ist kaputt.", "de")])
    assert policy().decide(comment("x"), labelled, context(change="removed"), now=NOW) is None


def test_negative_comments_carry_the_improvement_flag_and_others_do_not() -> None:
    texts = ["Mein Akku ist kaputt.", "Hahaha, kauft eh keiner 😂", "Tolles Team, vielen Dank!"]
    labelled = labeller().label_batch([(t, "de") for t in texts])
    flags = [
        policy().decide(comment(t), lab, context(), now=NOW).improvement  # type: ignore[union-attr]
        for t, lab in zip(texts, labelled, strict=True)
    ]
    assert flags == [True, True, False]


def test_every_reply_rule_notes_r13() -> None:
    replying = {"reply", "private_reply", "request_deletion", "await_community"}
    for rule in policy().rules:
        if replying & {a.kind for a in rule.actions}:
            assert "R13" in rule.notes, rule.id
