"""Thread resolution: every comment of an exchange carries its root comment's id."""

from __future__ import annotations

from dataclasses import dataclass

from services.ingest.domain.threads import (
    lookup_fields,
    resolve_threads,
)


@dataclass(frozen=True)
class C:
    comment_id: str
    parent_id: str | None = None
    post_id: str = "p1"
    platform: str = "facebook"


def test_top_level_comment_is_its_own_root() -> None:
    assert resolve_threads([C("c1"), C("c2", parent_id="p1")], {}) == [
        "facebook:c1",
        "facebook:c2",
    ]


def test_reply_to_unknown_parent_is_filed_under_the_parent() -> None:
    assert resolve_threads([C("c9", parent_id="c5", platform="x")], {}) == ["x:c5"]


def test_reply_to_reply_resolves_to_the_root_via_known_mapping() -> None:
    known = {"facebook:r1": "facebook:root"}
    assert resolve_threads([C("r2", parent_id="r1")], known) == ["facebook:root"]


def test_earlier_comments_of_the_same_batch_count_as_known() -> None:
    batch = [C("root"), C("r1", parent_id="root"), C("r2", parent_id="r1"), C("r3", parent_id="r2")]
    assert resolve_threads(batch, {}) == ["facebook:root"] * 4


def test_a_known_comment_keeps_its_thread_even_without_its_parent() -> None:
    known = {"x:r1": "x:root"}
    assert resolve_threads([C("r1", platform="x", parent_id=None, post_id="r1")], known) == [
        "x:root"
    ]


def test_a_parent_known_as_a_comment_wins_over_parent_equals_post() -> None:
    known = {"x:own-reply": "x:root"}
    reply = C("r2", platform="x", parent_id="own-reply", post_id="own-reply")
    assert resolve_threads([reply], known) == ["x:root"]
    assert resolve_threads([reply], {}) == ["x:r2"]


def test_lookup_fields_name_each_comment_and_parent_once() -> None:
    batch = [C("a", parent_id="p1"), C("b", parent_id="a"), C("a", parent_id="p1")]
    assert lookup_fields(batch) == ["facebook:a", "facebook:p1", "facebook:b"]
