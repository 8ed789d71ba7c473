"""Folding comment events into current state: order-independent, removal keeps the text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.reporting.domain.history import fold_states, unique_events
from shared.contracts import Author, Comment, CommentChange, CommentReceived

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _event(
    change: CommentChange, text: str, minutes: int, comment_id: str = "c1"
) -> CommentReceived:
    return CommentReceived(
        occurred_at=T0 + timedelta(minutes=minutes),
        correlation_id="facebook:c1",
        account_id="acc",
        change=change,
        comment=Comment(
            platform="facebook",
            account_id="acc",
            comment_id=comment_id,
            post_id="p1",
            thread_id="facebook:c1",
            author=Author(id="a1", name="Jane"),
            text=text,
            created_at=T0,
        ),
    )


def test_later_edit_then_removal_keeps_edited_text_whatever_the_arrival_order() -> None:
    created, edited, removed = (
        _event("created", "broken", 0),
        _event("edited", "broken!!", 5),
        _event("removed", "", 9),
    )
    for batch in (
        [created, edited, removed],
        [removed, created, edited],
        [edited, removed, created],
    ):
        [state] = fold_states(batch)
        assert state.status == "removed"
        assert state.status_at == T0 + timedelta(minutes=9)
        assert state.text == "broken!!"
        assert state.text_at == T0 + timedelta(minutes=5)


def test_removal_alone_carries_no_text_time_so_a_later_created_event_can_fill_it() -> None:
    [state] = fold_states([_event("removed", "", 3)])
    assert state.status == "removed"
    assert state.text_at is None


def test_removal_outranks_an_edit_at_the_same_platform_time() -> None:
    [state] = fold_states([_event("removed", "", 5), _event("edited", "new", 5)])
    assert state.status == "removed"
    assert state.text == "new"


def test_one_state_per_comment_and_repeated_event_ids_count_once() -> None:
    first = _event("created", "a", 0, "c1")
    events = [first, first, _event("created", "b", 1, "c2")]
    assert len(unique_events(events)) == 2
    states = fold_states(events)
    assert sorted(s.comment_id for s in states) == ["c1", "c2"]
