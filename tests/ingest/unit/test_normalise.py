"""Normalisation: equal comments must look equal downstream, whatever the platform sent."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.ingest.domain.normalise import clean_text, platform_token, to_utc
from services.ingest.domain.payload import parse_comments


def _raw(**overrides: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "platform": "facebook",
        "account_id": "1001",
        "comment_id": "c1",
        "post_id": "p1",
        "author": {"id": "u1", "name": "Jane"},
        "text": "hello",
        "created_at": "2024-05-01T10:00:00+02:00",
    }
    raw.update(overrides)
    return raw


def test_clean_text_composes_to_nfc_and_strips() -> None:
    decomposed = "  Cafe\u0301 kaputt \n"
    assert clean_text(decomposed) == "Café kaputt"
    assert unicodedata.is_normalized("NFC", str(clean_text(decomposed)))
    assert clean_text(42) == 42


def test_platform_token_lower_cases_and_strips() -> None:
    assert platform_token(" YouTube ") == "youtube"
    assert platform_token(None) is None


def test_to_utc_converts_offsets_and_refuses_naive() -> None:
    berlin = timezone(timedelta(hours=2))
    assert to_utc(datetime(2024, 5, 1, 12, 0, tzinfo=berlin)) == datetime(
        2024, 5, 1, 10, tzinfo=UTC
    )
    assert to_utc(datetime(2024, 5, 1, 12, 0, tzinfo=berlin)).tzinfo is UTC
    with pytest.raises(ValueError, match="no time zone"):
        to_utc(datetime(2024, 5, 1, 12, 0))


def test_parsed_comment_is_normalised() -> None:
    raw = _raw(
        platform="Instagram",
        comment_id=" c1 ",
        parent_id="",
        author={"id": " u1", "name": " Ange\u0301lique "},
        text="\tSchade\u0301 ",
    )
    (comment,) = parse_comments(raw, max_batch=10)
    assert comment.platform == "instagram"
    assert comment.comment_id == "c1"
    assert comment.parent_id is None
    assert comment.author.id == "u1"
    assert comment.author.name == "Angélique"
    assert comment.text == "Schadé"
    assert comment.created_at == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    assert comment.created_at.utcoffset() == timedelta(0)


def test_whitespace_only_id_is_as_missing_as_an_empty_one() -> None:
    with pytest.raises(ValueError, match="comment_id"):
        parse_comments(_raw(comment_id="   "), max_batch=10)
