"""Stream entry encoding and key naming: the contract between every producer and consumer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.contracts import Author, Comment, CommentReceived
from shared.streams.codec import UndecodableEntry, decode, encode
from shared.streams.names import StreamNames


def _comment(change: str = "created") -> CommentReceived:
    at = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    return CommentReceived.model_validate(
        {
            "occurred_at": at,
            "correlation_id": "facebook:c1",
            "account_id": "1001",
            "change": change,
            "comment": Comment(
                platform="facebook",
                account_id="1001",
                comment_id="c1",
                post_id="p1",
                thread_id="facebook:c1",
                author=Author(id="a", name="Jörg"),
                text="Lieferung kaputt – ärgerlich",
                created_at=at,
            ),
        }
    )


def test_event_round_trips_through_a_stream_entry() -> None:
    event = _comment()
    assert CommentReceived.model_validate(decode(encode(event))) == event


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({b"other": b"x"}, "no __data__ field"),
        ({b"__data__": b"{nope"}, "not JSON"),
        ({b"__data__": b"[1, 2]"}, "JSON list"),
    ],
)
def test_undecodable_entries_say_why(fields: dict[bytes, bytes], message: str) -> None:
    with pytest.raises(UndecodableEntry, match=message):
        decode(fields)


def test_contracts_refuse_unknown_fields_and_naive_times() -> None:
    body = decode(encode(_comment()))
    with pytest.raises(ValidationError):
        CommentReceived.model_validate({**body, "surprise": 1})
    with pytest.raises(ValidationError):
        CommentReceived.model_validate({**body, "occurred_at": "2026-11-24T12:00:00"})


def test_dedupe_key_names_the_platform_fact_not_the_event() -> None:
    first, redelivered = _comment(), _comment()
    assert first.event_id != redelivered.event_id
    assert first.dedupe_key == redelivered.dedupe_key == "facebook:1001:c1:created"
    assert _comment("edited").dedupe_key.startswith("facebook:1001:c1:edited:")


def test_every_stream_lives_under_the_prefix() -> None:
    names = StreamNames("tenant-a")
    assert all(s.startswith("tenant-a:stream:") for s in names.all())
    assert len(set(names.all())) == len(names.all())
    assert names.key("threads") == "tenant-a:threads"
