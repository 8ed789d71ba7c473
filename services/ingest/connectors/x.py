"""X Account Activity webhooks: CRC answers, signatures, and replies to the account as comments.

Of `tweet_create_events` only replies count: replies to the account's posts, and the account's
own replies (which ingest records for threading but does not publish). X gives no root post id,
so the tweet replied to stands in as the post. `tweet_delete_events` become removals.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any

from services.ingest.connectors.common import (
    Parsed,
    as_dict,
    as_id,
    as_list,
    decode_json,
    epoch_time,
    malformed,
)

CREATED_AT_FORMAT = "%a %b %d %H:%M:%S %z %Y"
KNOWN_EVENTS = frozenset({"for_user_id", "tweet_create_events", "tweet_delete_events"})


def x_signature(secret: str, data: bytes) -> str:
    """`sha256=<base64 HMAC-SHA256>`: the form of both the CRC answer and the body signature."""
    digest = hmac.new(secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response(secret: str, crc_token: str) -> dict[str, str]:
    """The body X expects for `GET ?crc_token=...`."""
    return {"response_token": x_signature(secret, crc_token.encode())}


def x_signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of `x-twitter-webhooks-signature` over the raw body."""
    if not header or not secret:
        return False
    expected = x_signature(secret, body).encode()
    return hmac.compare_digest(expected, header.strip().encode(errors="replace"))


def parse_activity(raw: bytes) -> Parsed:
    """Comments in an Account Activity body; raises `MalformedBody` / `InvalidComments`."""
    body = as_dict(decode_json(raw))
    account_id = as_id(body.get("for_user_id"))
    if account_id is None:
        raise malformed("for_user_id", "expected an Account Activity event with for_user_id")
    parsed = Parsed()
    parsed.skipped.extend("other_event" for key in body if key not in KNOWN_EVENTS)
    for i, tweet in enumerate(as_list(body.get("tweet_create_events"))):
        _tweet(parsed, f"tweet_create_events[{i}]", account_id, as_dict(tweet))
    for i, event in enumerate(as_list(body.get("tweet_delete_events"))):
        _deletion(parsed, f"tweet_delete_events[{i}]", account_id, as_dict(event))
    return parsed.result()


def _tweet_time(tweet: dict[str, Any]) -> datetime | None:
    moment = epoch_time(tweet.get("timestamp_ms"))
    created = tweet.get("created_at")
    if moment is None and isinstance(created, str):
        try:
            moment = datetime.strptime(created, CREATED_AT_FORMAT)
        except ValueError:
            return None
    return moment


def _tweet(parsed: Parsed, where: str, account_id: str, tweet: dict[str, Any]) -> None:
    user = as_dict(tweet.get("user"))
    parent = as_id(tweet.get("in_reply_to_status_id_str"))
    own = as_id(user.get("id_str")) == account_id
    if "retweeted_status" in tweet or parent is None:
        parsed.skipped.append("not_a_reply")
        return
    if not own and as_id(tweet.get("in_reply_to_user_id_str")) != account_id:
        parsed.skipped.append("not_a_reply_to_account")
        return
    moment = _tweet_time(tweet)
    if moment is None:
        parsed.fail(f"{where}.timestamp_ms", "no readable timestamp_ms or created_at")
        return
    extended = as_dict(tweet.get("extended_tweet"))
    text = extended.get("full_text") if tweet.get("truncated") else None
    raw = {
        "platform": "x",
        "account_id": account_id,
        "comment_id": as_id(tweet.get("id_str")),
        "post_id": parent,
        "parent_id": parent,
        "author": {"id": as_id(user.get("id_str")), "name": user.get("screen_name", "")},
        "text": text or tweet.get("text"),
        "created_at": moment.isoformat(),
        "changed_at": moment.isoformat(),
    }
    parsed.add(where, raw)


def _deletion(parsed: Parsed, where: str, account_id: str, event: dict[str, Any]) -> None:
    status = as_dict(event.get("status"))
    author = as_id(status.get("user_id"))
    if author == account_id:
        parsed.skipped.append("own_post")
        return
    moment = epoch_time(event.get("timestamp_ms"))
    if moment is None:
        parsed.fail(f"{where}.timestamp_ms", "no readable timestamp_ms")
        return
    tweet_id = as_id(status.get("id"))
    raw = {
        "platform": "x",
        "account_id": account_id,
        "comment_id": tweet_id,
        "post_id": tweet_id,
        "author": {"id": author, "name": ""},
        "text": "",
        "created_at": moment.isoformat(),
        "changed_at": moment.isoformat(),
        "change": "removed",
    }
    parsed.add(where, raw)
