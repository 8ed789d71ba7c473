"""X Account Activity parsing, CRC and signature, without I/O."""

from __future__ import annotations

import hashlib

import pytest

from services.ingest.connectors import x
from services.ingest.domain.payload import InvalidComments, MalformedBody
from tests.fakes.webhooks import x_crc_expected, x_delivery, x_headers, x_tweet

SECRET = "x-consumer-secret"


def test_crc_and_signature_are_base64_hmacs() -> None:
    assert x.crc_response(SECRET, "abc") == {"response_token": x_crc_expected(SECRET, "abc")}
    body = x_delivery("3001", [x_tweet("1")])
    header = x_headers(SECRET, body)["x-twitter-webhooks-signature"]
    assert x.x_signature_valid(SECRET, body, header)
    assert not x.x_signature_valid(SECRET, body + b"\n", header)
    assert not x.x_signature_valid(SECRET, body, None)
    hex_form = "sha256=" + hashlib.sha256(body).hexdigest()
    assert not x.x_signature_valid(SECRET, body, hex_form)


def test_reply_to_the_account_is_a_comment_under_the_replied_post() -> None:
    (c,) = x.parse_activity(x_delivery("3001", [x_tweet("1790000000000000001")])).comments
    assert (c.platform, c.account_id, c.comment_id) == ("x", "3001", "1790000000000000001")
    assert c.post_id == c.parent_id == "1790000000000000000"
    assert (c.author.id, c.author.name) == ("4242", "jane_doe")
    assert c.created_at.isoformat() == "2024-05-01T08:03:20+00:00" and c.changed_at == c.created_at


def test_which_tweets_count() -> None:
    tweets = [
        x_tweet("1", long_text="a long complaint " * 20),
        x_tweet("2", in_reply_to=None, in_reply_to_user=None),  # a mention, not a reply
        x_tweet("3", in_reply_to_user="777"),  # a reply to someone else
        x_tweet("4", user=("3001", "SteamConnectHelp"), in_reply_to="1", in_reply_to_user="4242"),
        x_tweet("5", user=("3001", "SteamConnectHelp"), in_reply_to=None, in_reply_to_user=None),
        {**x_tweet("6"), "retweeted_status": {}},
    ]
    parsed = x.parse_activity(x_delivery("3001", tweets))
    assert [c.comment_id for c in parsed.comments] == ["1", "4"]
    assert parsed.comments[0].text.startswith("a long complaint a long")
    assert parsed.comments[1].author.id == "3001"  # own reply: ingest records it, never publishes
    assert parsed.skipped == ["not_a_reply", "not_a_reply_to_account", "not_a_reply", "not_a_reply"]


def test_deletions_become_removals_and_other_events_are_skipped() -> None:
    body = x_delivery("3001", deletes=[("11", "4242", 1_714_560_000_000), ("12", "3001", 1)])
    parsed = x.parse_activity(body)
    (c,) = parsed.comments
    assert (c.comment_id, c.change, c.author.id) == ("11", "removed", "4242")
    assert c.changed_at is not None and c.changed_at.isoformat() == "2024-05-01T10:40:00+00:00"
    assert parsed.skipped == ["own_post"]
    favs = x.parse_activity(b'{"for_user_id": "3001", "favorite_events": []}')
    assert favs.skipped == ["other_event"] and favs.comments == []


def test_missing_envelope_or_fields_are_4xx_errors() -> None:
    with pytest.raises(MalformedBody):
        x.parse_activity(b'{"tweet_create_events": []}')
    bad = x_tweet("1")
    del bad["timestamp_ms"], bad["created_at"]
    with pytest.raises(InvalidComments) as info:
        x.parse_activity(x_delivery("3001", [bad]))
    assert info.value.details[0].field == "tweet_create_events[0].timestamp_ms"
