"""How comment events fold into a comment's current state, whatever order they arrive in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from shared.contracts import CommentReceived

STATUS_BY_CHANGE = {"created": "active", "edited": "edited", "removed": "removed"}
STATUS_RANK = {"active": 0, "edited": 1, "removed": 2}
"""Tie-break at equal platform time: a removal outranks an edit, an edit a creation."""


@dataclass(frozen=True)
class CommentState:
    """One comment's state after a batch; `text_at` is None when no event in it carried text."""

    platform: str
    account_id: str
    comment_id: str
    post_id: str
    parent_id: str | None
    thread_id: str
    author_id: str
    author_name: str
    text: str
    text_at: datetime | None
    status: str
    status_at: datetime
    created_at: datetime


def unique_events(events: Iterable[CommentReceived]) -> list[CommentReceived]:
    """Drop repeats of an event id within a batch (a redelivery can sit beside the original)."""
    seen: dict[str, CommentReceived] = {}
    for event in events:
        seen.setdefault(event.event_id, event)
    return list(seen.values())


def _order(event: CommentReceived) -> tuple[datetime, int]:
    return event.occurred_at, STATUS_RANK[STATUS_BY_CHANGE[event.change]]


def _initial(event: CommentReceived) -> CommentState:
    c = event.comment
    carries_text = event.change != "removed"
    return CommentState(
        platform=c.platform,
        account_id=c.account_id,
        comment_id=c.comment_id,
        post_id=c.post_id,
        parent_id=c.parent_id,
        thread_id=c.thread_id,
        author_id=c.author.id,
        author_name=c.author.name,
        text=c.text,
        text_at=event.occurred_at if carries_text else None,
        status=STATUS_BY_CHANGE[event.change],
        status_at=event.occurred_at,
        created_at=c.created_at,
    )


def _apply(state: CommentState, event: CommentReceived) -> CommentState:
    """Later events win the status; only created/edited events change the text."""
    state = replace(state, status=STATUS_BY_CHANGE[event.change], status_at=event.occurred_at)
    if event.change != "removed":
        state = replace(state, text=event.comment.text, text_at=event.occurred_at)
    return state


def fold_states(events: Sequence[CommentReceived]) -> list[CommentState]:
    """One state per comment, so one upsert statement can carry the whole batch."""
    states: dict[tuple[str, str], CommentState] = {}
    for event in sorted(unique_events(events), key=_order):
        key = (event.comment.platform, event.comment.comment_id)
        current = states.get(key)
        states[key] = _initial(event) if current is None else _apply(current, event)
    return list(states.values())
