"""Instagram `comments` webhooks as comments (creation only: the platform sends no verbs).

Some deliveries put `field`/`value` directly on the entry instead of in `changes`: both parse.
The entry's `time` becomes `changed_at`; ads may notify the same comment twice, which the
comment's dedupe key absorbs.
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


def parse_comments(raw: bytes) -> Parsed:
    """Comments in an Instagram webhook body; raises `MalformedBody` / `InvalidComments`."""
    parsed = Parsed()
    entries = meta_entries(raw, parsed, expected_object="instagram", id_name="Instagram account")
    for e, entry, account_id in entries:
        changes = as_list(entry.get("changes"))
        if "field" in entry:
            changes = [*changes, entry]
        for c, change in enumerate(changes):
            _change(parsed, f"entry[{e}].changes[{c}]", account_id, entry.get("time"), change)
    return parsed.result()


def _change(parsed: Parsed, where: str, account: str, entry_time: object, change: object) -> None:
    change = as_dict(change)
    if change.get("field") != "comments":
        parsed.skipped.append("not_a_comment")
        return
    value = as_dict(change.get("value"))
    moment = platform_time(value.get("timestamp")) or platform_time(entry_time)
    if moment is None:
        parsed.fail(f"{where}.time", "no readable entry time")
        return
    parsed.add(f"{where}.value", _comment(account, value, moment.isoformat()))


def _comment(account_id: str, value: dict[str, Any], at: str) -> dict[str, Any]:
    author = as_dict(value.get("from"))
    return {
        "platform": "instagram",
        "account_id": account_id,
        "comment_id": as_id(value.get("id")),
        "post_id": as_id(as_dict(value.get("media")).get("id")),
        "parent_id": as_id(value.get("parent_id")),
        "author": {"id": as_id(author.get("id")), "name": author.get("username", "")},
        "text": value.get("text"),
        "created_at": at,
        "changed_at": at,
    }
