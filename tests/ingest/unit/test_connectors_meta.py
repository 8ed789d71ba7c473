"""Facebook and Instagram parsing and Meta's handshake and signature, without I/O."""

from __future__ import annotations

import json

import pytest

from services.ingest.connectors import facebook, instagram
from services.ingest.connectors.meta import hub_challenge, meta_signature_valid
from services.ingest.domain.payload import InvalidComments, MalformedBody
from tests.fakes.webhooks import fb_comment, fb_delivery, ig_comment, ig_delivery, meta_headers

SECRET = "fb-app-secret"


def test_handshake_echoes_the_challenge_only_with_our_token() -> None:
    ok = {"hub.mode": "subscribe", "hub.verify_token": "tok", "hub.challenge": "1158201444"}
    assert hub_challenge(ok, "tok") == "1158201444"
    assert hub_challenge({**ok, "hub.verify_token": "nope"}, "tok") is None
    assert hub_challenge({**ok, "hub.mode": "unsubscribe"}, "tok") is None
    assert hub_challenge(ok, "") is None


def test_signature_is_hex_hmac_of_the_raw_bytes() -> None:
    body = fb_delivery("1001", [fb_comment("c1", message="Grüße ☕")])
    assert b"\\u00fc" in body  # Meta escapes non-ASCII; the signature covers those bytes
    header = meta_headers(SECRET, body)["X-Hub-Signature-256"]
    assert meta_signature_valid(SECRET, body, header)
    assert meta_signature_valid(SECRET, body, header.upper().replace("SHA256=", "sha256="))
    assert not meta_signature_valid(SECRET, body + b" ", header)
    assert not meta_signature_valid("other", body, header)
    assert not meta_signature_valid(SECRET, body, None)
    assert not meta_signature_valid(SECRET, body, "sha1=abc")


def test_feed_comment_add_becomes_a_created_comment() -> None:
    parsed = facebook.parse_feed(fb_delivery("1001", [fb_comment("500_1", message="Grüße")]))
    (c,) = parsed.comments
    assert (c.platform, c.account_id, c.comment_id, c.post_id) == (
        "facebook",
        "1001",
        "500_1",
        "1001_500",
    )
    assert c.parent_id == "1001_500" and c.change == "created" and c.text == "Grüße"
    assert (c.author.id, c.author.name) == ("999", "Jane Doe")
    assert c.created_at.isoformat() == "2024-05-01T08:00:00+00:00"
    assert c.changed_at == c.created_at


def test_edits_removals_legacy_sender_and_skipped_verbs() -> None:
    changes = [
        fb_comment("c1", verb="edited", message="now polite", created_time=1_714_560_000),
        fb_comment("c2", verb="remove", created_time=1_714_560_001),
        fb_comment("c3", legacy_sender=True, parent_id="c1"),
        fb_comment("c4", verb="hide"),
        fb_comment("c5", verb="unhide"),
        {"field": "feed", "value": {"item": "reaction", "verb": "add"}},
        fb_comment("c6"),
    ]
    changes[-1]["value"]["verb"] = ["add"]  # found by the fuzz test: a list looked up in a set
    parsed = facebook.parse_feed(fb_delivery("1001", changes))
    assert [(c.comment_id, c.change) for c in parsed.comments] == [
        ("c1", "edited"),
        ("c2", "removed"),
        ("c3", "created"),
    ]
    assert parsed.comments[1].text == "" and parsed.comments[2].author.id == "999"
    assert parsed.comments[2].parent_id == "c1"
    assert parsed.skipped == ["verb_hide", "verb_unhide", "not_a_comment", "unknown_verb"]


def test_iso_created_time_and_entry_time_fallback() -> None:
    change = fb_comment("c1")
    change["value"]["created_time"] = "2024-05-01T08:00:00+0000"
    (c,) = facebook.parse_feed(fb_delivery("1001", [change])).comments
    assert c.created_at.isoformat() == "2024-05-01T08:00:00+00:00"
    del change["value"]["created_time"]
    (c,) = facebook.parse_feed(fb_delivery("1001", [change], time=1_714_550_401)).comments
    assert c.created_at.isoformat() == "2024-05-01T08:00:01+00:00"


@pytest.mark.parametrize(
    "body",
    [b"{", b"[]", b'{"object": "user", "entry": []}', b'{"object": "page", "entry": {}}'],
)
def test_not_a_page_webhook_is_malformed(body: bytes) -> None:
    with pytest.raises(MalformedBody):
        facebook.parse_feed(body)


def test_a_comment_without_id_names_the_change() -> None:
    change = fb_comment("c1")
    del change["value"]["comment_id"]
    with pytest.raises(InvalidComments) as info:
        facebook.parse_feed(fb_delivery("1001", [fb_comment("ok"), change]))
    assert [d.field for d in info.value.details] == ["entry[0].changes[1].value.comment_id"]


def test_instagram_comment_and_reply_with_both_entry_shapes() -> None:
    parsed = instagram.parse_comments(ig_delivery("2001", [ig_comment("17850001")]))
    (c,) = parsed.comments
    assert (c.platform, c.account_id, c.post_id, c.parent_id) == (
        "instagram",
        "2001",
        "17900000000000001",
        None,
    )
    assert (c.author.id, c.author.name, c.text) == (
        "17841400000000099",
        "jane.doe",
        "Where is my order?",
    )
    flat = {
        "object": "instagram",
        "entry": [{"id": "2001", "time": 1_714_550_500, **ig_comment("r1", parent_id="17850001")}],
    }
    (r,) = instagram.parse_comments(json.dumps(flat).encode()).comments
    assert r.parent_id == "17850001"
    other = ig_delivery("2001", [{"field": "mentions", "value": {}}])
    assert instagram.parse_comments(other).skipped == ["not_a_comment"]
    with pytest.raises(MalformedBody):
        instagram.parse_comments(fb_delivery("1001", []))
