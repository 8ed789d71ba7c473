"""Webhook deliveries as Meta and X send them: documented fields, signed over the raw bytes.

The signing here is written independently of ingest's code, from the platforms' documentation:
Meta signs with lowercase hex HMAC-SHA256, X with base64, both prefixed `sha256=`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def _json(body: dict[str, Any]) -> bytes:
    """Meta and X escape non-ASCII as \\uXXXX; signatures cover exactly these bytes."""
    return json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode()


def meta_headers(secret: str, body: bytes) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def x_headers(secret: str, body: bytes) -> dict[str, str]:
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return {"Content-Type": "application/json", "x-twitter-webhooks-signature": f"sha256={digest}"}


def x_crc_expected(secret: str, token: str) -> str:
    digest = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def fb_comment(
    comment_id: str,
    *,
    verb: str = "add",
    post_id: str = "1001_500",
    parent_id: str | None = None,
    author: tuple[str, str] = ("999", "Jane Doe"),
    message: str | None = "Mein Paket ist nie angekommen",
    created_time: int = 1_714_550_400,
    legacy_sender: bool = False,
) -> dict[str, Any]:
    """One `feed` change with `item: comment`, as in the Graph API webhook reference."""
    value: dict[str, Any] = {
        "item": "comment",
        "verb": verb,
        "comment_id": comment_id,
        "post_id": post_id,
        "parent_id": parent_id or post_id,
        "created_time": created_time,
    }
    if legacy_sender:
        value |= {"sender_id": author[0], "sender_name": author[1]}
    else:
        value["from"] = {"id": author[0], "name": author[1]}
    if message is not None and verb != "remove":
        value["message"] = message
    return {"field": "feed", "value": value}


def fb_delivery(page_id: str, changes: list[dict[str, Any]], *, time: int = 1_714_550_401) -> bytes:
    return _json({"object": "page", "entry": [{"id": page_id, "time": time, "changes": changes}]})


def ig_comment(
    comment_id: str,
    *,
    media_id: str = "17900000000000001",
    parent_id: str | None = None,
    author: tuple[str, str] = ("17841400000000099", "jane.doe"),
    text: str = "Where is my order?",
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "id": comment_id,
        "text": text,
        "from": {"id": author[0], "username": author[1]},
        "media": {"id": media_id, "media_product_type": "FEED"},
    }
    if parent_id:
        value["parent_id"] = parent_id
    return {"field": "comments", "value": value}


def ig_delivery(
    account_id: str, changes: list[dict[str, Any]], *, time: int = 1_714_550_500
) -> bytes:
    return _json(
        {"object": "instagram", "entry": [{"id": account_id, "time": time, "changes": changes}]}
    )


def x_tweet(
    tweet_id: str,
    *,
    in_reply_to: str | None = "1790000000000000000",
    in_reply_to_user: str | None = "3001",
    user: tuple[str, str] = ("4242", "jane_doe"),
    text: str = "@SteamConnectHelp my order never arrived",
    timestamp_ms: int = 1_714_550_600_000,
    long_text: str | None = None,
) -> dict[str, Any]:
    """A v1.1-style tweet object as Account Activity delivers it."""
    tweet: dict[str, Any] = {
        "created_at": "Wed May 01 08:03:20 +0000 2024",
        "id": int(tweet_id),
        "id_str": tweet_id,
        "text": text,
        "truncated": long_text is not None,
        "in_reply_to_status_id": int(in_reply_to) if in_reply_to else None,
        "in_reply_to_status_id_str": in_reply_to,
        "in_reply_to_user_id_str": in_reply_to_user,
        "user": {"id": int(user[0]), "id_str": user[0], "screen_name": user[1], "name": user[1]},
        "timestamp_ms": str(timestamp_ms),
    }
    if long_text is not None:
        tweet["extended_tweet"] = {"full_text": long_text}
    return tweet


def x_delivery(
    for_user_id: str,
    tweets: list[dict[str, Any]] | None = None,
    deletes: list[tuple[str, str, int]] | None = None,
) -> bytes:
    body: dict[str, Any] = {"for_user_id": for_user_id}
    if tweets is not None:
        body["tweet_create_events"] = tweets
    if deletes is not None:
        body["tweet_delete_events"] = [
            {"status": {"id": tid, "user_id": uid}, "timestamp_ms": str(ms)}
            for tid, uid, ms in deletes
        ]
    return _json(body)
