"""Facebook Page `feed` webhooks: comment changes (add, edited, remove) as comments.

One delivery carries entries per page and changes per entry. Only `item: comment` changes become
comments; hide/unhide verbs and every other item (posts, reactions, ...) are skipped with a
counted reason. The change's own `created_time` (else the entry's `time`) becomes `changed_at`,
so a redelivered edit or removal has the same dedupe key as the first delivery.
"""

from __future__ import annotations

from typing import Any

from services.ingest.connectors.common import (
    Parsed,
    as_dict,
    as_id,
    as_list,
    platform_time,
)
from services.ingest.connectors.meta import meta_entries
from shared.contracts.comments import CommentChange

VERBS: dict[str, CommentChange] = {"add": "created", "edited": "edited", "remove": "removed"}
IGNORED_VERBS = frozenset({"hide", "unhide"})


def parse_feed(raw: bytes) -> Parsed:
    """Comments in a Page webhook body; raises `MalformedBody` / `InvalidComments` (4xx)."""
    parsed = Parsed()
    for e, entry, page_id in meta_entries(raw, parsed, expected_object="page", id_name="Page"):
        for c, change in enumerate(as_list(entry.get("changes"))):
            _change(parsed, f"entry[{e}].changes[{c}]", page_id, entry.get("time"), change)
    return parsed.result()


def _change(parsed: Parsed, where: str, page_id: str, entry_time: object, change: object) -> None:
    change = as_dict(change)
    value = as_dict(change.get("value"))
    if change.get("field") != "feed" or value.get("item") != "comment":
        parsed.skipped.append("not_a_comment")
        return
    verb = value.get("verb")
    if not isinstance(verb, str):  # a list or an object is no verb (and cannot be looked up)
        parsed.skipped.append("unknown_verb")
        return
    if verb in IGNORED_VERBS:
        parsed.skipped.append(f"verb_{verb}")
        return
    if verb not in VERBS:
        parsed.skipped.append("unknown_verb")
        return
    moment = platform_time(value.get("created_time")) or platform_time(entry_time)
    if moment is None:
        parsed.fail(f"{where}.value.created_time", "no readable created_time or entry time")
        return
    parsed.add(f"{where}.value", _comment(page_id, value, VERBS[verb], moment.isoformat()))


def _comment(page_id: str, value: dict[str, Any], change: CommentChange, at: str) -> dict[str, Any]:
    """The generic comment; legacy payloads name the author `sender_id`/`sender_name`."""
    author = as_dict(value.get("from"))
    author_id = as_id(author.get("id")) or as_id(value.get("sender_id"))
    name = author.get("name", value.get("sender_name", ""))
    post_id = as_id(value.get("post_id"))
    return {
        "platform": "facebook",
        "account_id": page_id,
        "comment_id": as_id(value.get("comment_id")),
        "post_id": post_id,
        "parent_id": as_id(value.get("parent_id")) or post_id,
        "author": {"id": author_id or ("unknown" if change == "removed" else None), "name": name},
        "text": value.get("message") or "",
        "created_at": at,
        "changed_at": at,
        "change": change,
    }
