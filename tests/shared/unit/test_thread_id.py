"""The thread id and "top level" are defined once, in the contracts, for every service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.contracts import Author, Comment, ThreadId
from shared.contracts.comments import is_top_level


def test_a_thread_id_formats_and_parses_back() -> None:
    tid = ThreadId("facebook", "123_456")
    assert str(tid) == "facebook:123_456"
    assert ThreadId.parse(str(tid)) == tid


def test_only_the_first_colon_separates_the_platform() -> None:
    assert ThreadId.parse("youtube:Ugx:reply") == ThreadId("youtube", "Ugx:reply")


@pytest.mark.parametrize("bad", ["", "facebook", "facebook:", ":123"])
def test_a_malformed_thread_id_is_refused_with_its_value(bad: str) -> None:
    with pytest.raises(ValueError, match="is not <platform>:<top-level comment id>"):
        ThreadId.parse(bad)


def test_top_level_when_parent_is_missing_empty_or_the_post() -> None:
    assert is_top_level(None, "p1")
    assert is_top_level("", "p1")
    assert is_top_level("p1", "p1")
    assert not is_top_level("c1", "p1")


def test_a_comment_knows_whether_it_is_top_level() -> None:
    def comment(parent: str | None) -> Comment:
        return Comment(
            platform="x",
            account_id="a",
            comment_id="c2",
            post_id="p1",
            parent_id=parent,
            thread_id="x:c1",
            author=Author(id="u", name="U"),
            text="t",
            created_at=datetime(2026, 12, 1, tzinfo=UTC),
        )

    assert comment(None).is_top_level
    assert not comment("c1").is_top_level
