"""Which exchange (thread) a comment belongs to: the id of its top-level comment.

A top-level comment (no parent, or the post itself as parent) starts its own thread. A reply
joins its parent's thread; the mapping comment -> thread is kept by the caller (in Redis) so that
replies to replies still resolve to the root. A reply whose parent was never seen is filed under
the parent's id, which is the root whenever the parent is itself top-level.

A comment already seen keeps its thread (edits and removals may come without their parent), and
a parent known as a comment wins over "parent is the post": on X a reply's parent is the only
post id there is, so a customer answering the page's reply must still join the exchange.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from shared.contracts.comments import ThreadId, is_top_level


class Threaded(Protocol):
    """The fields thread resolution needs; the payload model satisfies it."""

    @property
    def platform(self) -> str: ...
    @property
    def comment_id(self) -> str: ...
    @property
    def post_id(self) -> str: ...
    @property
    def parent_id(self) -> str | None: ...


def thread_field(platform: str, comment_id: str) -> str:
    """Key of one comment in the comment -> thread mapping: the thread id it would start."""
    return str(ThreadId(platform, comment_id))


def lookup_fields(comments: Sequence[Threaded]) -> list[str]:
    """Every mapping field resolution may use: each comment itself and any parent, once each."""
    fields: dict[str, None] = {}
    for c in comments:
        fields[thread_field(c.platform, c.comment_id)] = None
        if c.parent_id:
            fields[thread_field(c.platform, c.parent_id)] = None
    return list(fields)


def _thread_of(c: Threaded, seen: Mapping[str, str]) -> str:
    own = thread_field(c.platform, c.comment_id)
    if own in seen:
        return seen[own]
    if not c.parent_id:
        return own
    parent = thread_field(c.platform, c.parent_id)
    if parent in seen:
        return seen[parent]
    return own if is_top_level(c.parent_id, c.post_id) else parent


def resolve_threads(comments: Sequence[Threaded], known: Mapping[str, str]) -> list[str]:
    """Thread id per comment, in order; earlier comments of the same batch count as known."""
    seen: dict[str, str] = dict(known)
    threads: list[str] = []
    for c in comments:
        thread = _thread_of(c, seen)
        seen[thread_field(c.platform, c.comment_id)] = thread
        threads.append(thread)
    return threads
