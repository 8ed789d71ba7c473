"""The thread id and "top level" are defined once, in the contracts, for every service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.contracts import Author, Comment, CommentReceived, ThreadId
from shared.contracts.comments import is_top_level
from shared.contracts.exchanges import ExchangeChanged


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


def _state(**extra: object) -> ExchangeChanged:
    at = datetime(2026, 12, 3, tzinfo=UTC)
    fields = {"occurred_at": at, "account_id": "a", "platform": "facebook", "state": "open"}
    return ExchangeChanged.model_validate({**fields, "updated_at": at, **extra})


def test_the_correlation_id_is_the_thread_filled_in_and_held_to_it() -> None:
    assert _state(thread_id="facebook:1").correlation_id == "facebook:1"
    with pytest.raises(ValidationError, match="is not the event's thread 'facebook:1'"):
        _state(thread_id="facebook:1", correlation_id="facebook:2")


def test_a_comment_event_correlates_with_its_comments_thread() -> None:
    comment = Comment(
        platform="facebook",
        account_id="a",
        comment_id="2",
        post_id="p",
        parent_id="1",
        thread_id="facebook:1",
        author=Author(id="u", name="U"),
        text="t",
        created_at=datetime(2026, 12, 3, tzinfo=UTC),
    )
    at = datetime(2026, 12, 3, tzinfo=UTC)
    event = CommentReceived.model_validate(
        {"occurred_at": at, "account_id": "a", "change": "created", "comment": comment}
    )
    assert event.correlation_id == "facebook:1"
    with pytest.raises(ValidationError, match="is not the event's thread"):
        CommentReceived(
            occurred_at=at, correlation_id="x", account_id="a", change="created", comment=comment
        )
