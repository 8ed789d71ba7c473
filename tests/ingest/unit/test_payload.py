"""Validation errors name every bad field, so a sender can fix a request in one go."""

from __future__ import annotations

import pytest

from services.ingest.domain.payload import (
    BatchTooLarge,
    IncomingComment,
    InvalidComments,
    MalformedBody,
    parse_body,
    parse_comments,
    platform_label,
)


def _raw(**overrides: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "platform": "facebook",
        "account_id": "1001",
        "comment_id": "c1",
        "post_id": "p1",
        "author": {"id": "u1", "name": "Jane"},
        "text": "hello",
        "created_at": "2024-05-01T10:00:00Z",
    }
    raw.update(overrides)
    return raw


def _errors(body: object) -> list[tuple[int | None, str, str]]:
    with pytest.raises(InvalidComments) as caught:
        parse_comments(body, max_batch=10)
    return [(d.index, d.field, d.message) for d in caught.value.details]


def test_one_object_and_a_list_both_parse() -> None:
    assert len(parse_comments(_raw(), max_batch=1)) == 1
    assert [c.comment_id for c in parse_comments([_raw(), _raw(comment_id="c2")], max_batch=2)] == [
        "c1",
        "c2",
    ]


def test_errors_carry_index_and_dotted_field() -> None:
    bad_author = _raw()
    bad_author["author"] = {"id": "u1"}
    errors = _errors([_raw(), bad_author, _raw(platform="myspace")])
    assert (1, "author.name", "required field is missing") in errors
    assert any(i == 2 and f == "platform" and "facebook" in m for i, f, m in errors)
    assert all(i != 0 for i, _f, _m in errors)


def test_naive_timestamp_is_rejected_with_a_time_zone_hint() -> None:
    ((index, field, message),) = _errors(_raw(created_at="2024-05-01T10:00:00"))
    assert (index, field) == (0, "created_at")
    assert "time zone" in message


def test_epoch_numbers_are_not_timestamps() -> None:
    ((_index, field, message),) = _errors(_raw(created_at=1714557600))
    assert field == "created_at"
    assert "ISO-8601" in message


def test_unknown_fields_are_rejected_by_name() -> None:
    assert _errors(_raw(likes=3)) == [(0, "likes", "unknown field (not part of the comment shape)")]


def test_rejected_input_is_not_echoed() -> None:
    ((_i, _f, message),) = _errors(_raw(text=["secret customer text"]))
    assert "secret customer text" not in message


def test_body_must_be_object_or_non_empty_list() -> None:
    assert _errors("hello")[0][0] is None
    assert "empty" in _errors([])[0][2]
    assert _errors([42])[0][:2] == (0, "")


def test_batch_limit_is_enforced_before_validation() -> None:
    with pytest.raises(BatchTooLarge, match="limit is 2"):
        parse_comments([{}, {}, {}], max_batch=2)


def test_malformed_json_is_its_own_error() -> None:
    with pytest.raises(MalformedBody, match="not valid JSON"):
        parse_body(b"{not json", max_batch=10)
    with pytest.raises(MalformedBody):
        parse_body(b"\xff\xfe", max_batch=10)


def test_platform_label_is_bounded() -> None:
    assert platform_label({"platform": "YouTube"}) == "youtube"
    assert platform_label({"platform": "a" * 50}) == "unknown"
    assert platform_label("x") == "unknown"


def test_changed_at_is_optional_and_converted_to_utc() -> None:
    base = {
        "platform": "facebook",
        "account_id": "1",
        "comment_id": "c",
        "post_id": "p",
        "author": {"id": "u", "name": "n"},
        "text": "t",
        "created_at": "2024-05-01T10:00:00Z",
    }
    assert IncomingComment.model_validate(base).changed_at is None
    edited = IncomingComment.model_validate(
        {**base, "change": "edited", "changed_at": "2024-05-02T11:00:00+02:00"}
    )
    assert (
        edited.changed_at is not None
        and edited.changed_at.isoformat() == "2024-05-02T09:00:00+00:00"
    )
