"""Event building and the response shape."""

from __future__ import annotations

from datetime import UTC, datetime

from services.ingest.domain.intake import CommentResult, IngestReport, build_event, is_own_comment
from services.ingest.domain.payload import parse_comments

NOW = datetime(2024, 5, 2, 9, 0, tzinfo=UTC)


def _comment(author_id: str = "u1"):  # type: ignore[no-untyped-def]
    raw = {
        "platform": "x",
        "account_id": "3001",
        "comment_id": "c2",
        "post_id": "p1",
        "parent_id": "c1",
        "author": {"id": author_id, "name": "Jane"},
        "text": "still broken",
        "created_at": "2024-05-01T10:00:00Z",
    }
    return parse_comments(raw, max_batch=1)[0]


def test_own_comment_is_the_account_writing() -> None:
    assert is_own_comment(_comment(author_id="3001"))
    assert not is_own_comment(_comment())


def test_event_carries_thread_as_correlation_and_receipt_time() -> None:
    event = build_event(_comment(), "x:c1", now=NOW)
    assert event.correlation_id == "x:c1"
    assert event.comment.thread_id == "x:c1"
    assert event.occurred_at == NOW
    assert event.account_id == "3001"
    assert event.comment.parent_id == "c1"
    assert event.dedupe_key == "x:3001:c2:created"


def test_report_counts_and_omits_missing_event_ids() -> None:
    report = IngestReport(
        [
            CommentResult("a", "x", "accepted", "x:a", "e1"),
            CommentResult("b", "x", "duplicate", "x:a", "e0"),
            CommentResult("c", "x", "own_comment", "x:a", None),
        ]
    )
    body = report.as_dict()
    assert (body["accepted"], body["duplicates"], body["ignored"]) == (1, 1, 1)
    assert body["results"][2] == {"comment_id": "c", "status": "own_comment", "thread_id": "x:a"}
    assert body["results"][1]["event_id"] == "e0"


def test_occurred_at_is_the_platform_change_time_when_given() -> None:
    assert build_event(_comment(), "x:c1", now=NOW).occurred_at == NOW
    edited = _comment().model_copy(
        update={"change": "edited", "changed_at": datetime(2024, 5, 1, 11, 0, tzinfo=UTC)}
    )
    event = build_event(edited, "x:c1", now=NOW)
    assert event.occurred_at == datetime(2024, 5, 1, 11, 0, tzinfo=UTC)
    assert event.dedupe_key == "x:3001:c2:edited:2024-05-01T11:00:00+00:00"
