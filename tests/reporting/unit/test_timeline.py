"""Timeline assembly: time order, entry shapes, and evidence kept through edits and removals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.reporting.domain.comment_view import build_comment_view
from services.reporting.domain.records import (
    ActionRecord,
    CommentEventRecord,
    CommentRecord,
    DecisionRecord,
)
from services.reporting.domain.timeline import StoredEventInvalid, build_thread_view
from services.reporting.domain.views import (
    ActionEntry,
    CommentEditedEntry,
    CommentEntry,
    CommentRemovedEntry,
    DecisionEntry,
)

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
THREAD = "facebook:222_333"


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def comment(
    comment_id: str = "222_333", text: str = "broken!!", status: str = "removed"
) -> CommentRecord:
    return CommentRecord(
        platform="facebook",
        account_id="acc",
        comment_id=comment_id,
        post_id="222",
        parent_id=None if comment_id == "222_333" else "222_333",
        thread_id=THREAD,
        author_id="a1",
        author_name="Jane",
        text=text,
        status=status,
        created_at=at(0),
    )


def event(
    event_id: str, change: str, text: str, minutes: int, comment_id: str = "222_333"
) -> CommentEventRecord:
    return CommentEventRecord(event_id, "facebook", comment_id, THREAD, change, text, at(minutes))


def decision(decision_id: str = "d1", minutes: int = 1, rule_id: str = "R1") -> DecisionRecord:
    stored_comment: dict[str, Any] = {
        "platform": "facebook",
        "account_id": "acc",
        "comment_id": "222_333",
        "post_id": "222",
        "parent_id": None,
        "thread_id": THREAD,
        "author": {"id": "a1", "name": "Jane"},
        "text": "broken",
        "created_at": at(0).isoformat(),
    }
    return DecisionRecord(
        decision_id=decision_id,
        platform="facebook",
        account_id="acc",
        comment_id="222_333",
        thread_id=THREAD,
        rule_id=rule_id,
        reason="product complaint",
        policy_version="v1",
        lang="en",
        labels=["complaint.product"],
        scores={"complaint.product": 0.9},
        category="complaint.product",
        sla_due_at=at(61),
        actions=[
            {"action_id": f"{decision_id}:reply", "kind": "reply", "template": "complaint.product"}
        ],
        decided_at=at(minutes),
        event={"change": "created", "comment": stored_comment},
    )


def action(minutes: int | None = 2, status: str = "done") -> ActionRecord:
    return ActionRecord(
        action_id="d1:reply",
        decision_id="d1",
        kind="reply",
        platform="facebook",
        account_id="acc",
        comment_id="222_333",
        thread_id=THREAD,
        status=status,
        text="Sorry to hear that!",
        detail="",
        platform_ref="fb-reply-1" if minutes is not None else None,
        created_at=at(1),
        completed_at=at(minutes) if minutes is not None else None,
    )


EVENTS = [
    event("e3", "removed", "", 9),
    event("e1", "created", "broken", 0),
    event("e2", "edited", "broken!!", 5),
]


def test_thread_timeline_is_in_time_order_with_every_kind_of_entry() -> None:
    view = build_thread_view(THREAD, [comment()], EVENTS, [decision()], [action()])
    assert view is not None
    assert [e.type for e in view.timeline] == [
        "comment",
        "decision",
        "action",
        "comment_edited",
        "comment_removed",
    ]
    assert [e.at for e in view.timeline] == sorted(e.at for e in view.timeline)
    assert (view.platform, view.account_id) == ("facebook", "acc")


def test_edit_and_removal_keep_the_original_and_the_removed_text() -> None:
    view = build_thread_view(THREAD, [comment()], EVENTS, [], [])
    assert view is not None
    created, edited, removed = view.timeline
    assert isinstance(created, CommentEntry) and created.text == "broken"
    assert created.author is not None and created.author.name == "Jane"
    assert isinstance(edited, CommentEditedEntry)
    assert (edited.previous_text, edited.text) == ("broken", "broken!!")
    assert isinstance(removed, CommentRemovedEntry) and removed.text == "broken!!"
    [message] = view.messages
    assert (message.status, message.text) == ("removed", "broken!!")
    assert [(h.change, h.text) for h in message.history] == [
        ("created", "broken"),
        ("edited", "broken!!"),
        ("removed", "broken!!"),
    ]


def test_decision_and_action_entries_carry_their_details() -> None:
    view = build_thread_view(THREAD, [comment()], EVENTS, [decision()], [action()])
    assert view is not None
    d = next(e for e in view.timeline if isinstance(e, DecisionEntry))
    assert (d.rule_id, d.reason, d.labels, d.sla_due_at) == (
        "R1",
        "product complaint",
        ["complaint.product"],
        at(61),
    )
    assert [(a.action_id, a.kind, a.template) for a in d.actions] == [
        ("d1:reply", "reply", "complaint.product")
    ]
    a = next(e for e in view.timeline if isinstance(e, ActionEntry))
    assert (a.kind, a.status, a.text, a.platform_ref, a.at) == (
        "reply",
        "done",
        "Sorry to hear that!",
        "fb-reply-1",
        at(2),
    )


def test_pending_action_is_placed_at_its_creation_and_ties_put_comments_first() -> None:
    view = build_thread_view(
        THREAD,
        [comment()],
        [event("e1", "created", "broken", 1)],
        [decision(minutes=1)],
        [action(None, "pending")],
    )
    assert view is not None
    assert [e.type for e in view.timeline] == ["comment", "decision", "action"]
    assert view.timeline[2].at == at(1)


def test_unknown_thread_is_none() -> None:
    assert build_thread_view(THREAD, [], [], [], []) is None


def test_thread_known_only_from_a_decision_shows_the_comment_from_its_event() -> None:
    view = build_thread_view(THREAD, [], [], [decision()], [])
    assert view is not None
    [message] = view.messages
    assert (message.comment_id, message.text, message.status) == ("222_333", "broken", "active")
    assert [e.type for e in view.timeline] == ["comment", "decision"]


def test_comment_view_uses_the_latest_decision_and_lists_all_actions() -> None:
    decisions = [decision("d2", minutes=6, rule_id="R2"), decision("d1", minutes=1)]
    view = build_comment_view("facebook", "222_333", comment(), EVENTS, decisions, [action()])
    assert view is not None
    assert view.decision is not None and view.decision.decision_id == "d2"
    assert (view.lang, view.labels, view.scores) == (
        "en",
        ["complaint.product"],
        {"complaint.product": 0.9},
    )
    assert [a.action_id for a in view.actions] == ["d1:reply"]
    assert view.comment is not None and view.comment.text == "broken!!"
    assert view.thread_id == THREAD


def test_comment_view_falls_back_to_the_decision_event_and_is_none_without_both() -> None:
    view = build_comment_view("facebook", "222_333", None, [], [decision()], [])
    assert view is not None and view.comment is not None
    assert (view.comment.text, view.comment.author.id) == ("broken", "a1")
    assert build_comment_view("facebook", "222_333", None, [], [], [action()]) is None


def test_a_stored_event_without_a_valid_comment_is_reported_with_its_decision_id() -> None:
    broken = decision()
    broken = DecisionRecord(**{**vars(broken), "event": {"comment": {"text": "x"}}})
    with pytest.raises(StoredEventInvalid, match="decision d1"):
        build_comment_view("facebook", "222_333", None, [], [broken], [])
