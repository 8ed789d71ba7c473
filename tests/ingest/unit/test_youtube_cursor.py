"""YouTube poll planning: what is new, what is an edit, where the cursor moves; quota rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.ingest.connectors.youtube import (
    Cursor,
    DailyBudget,
    Page,
    Thread,
    YtComment,
    next_quota_reset,
    parse_page,
    plan,
    quota_exceeded,
    reached,
)

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def yc(cid: str, minute: int, *, edited: int | None = None, parent: str | None = None) -> YtComment:
    published = T0 + timedelta(minutes=minute)
    updated = T0 + timedelta(minutes=edited) if edited is not None else published
    return YtComment(cid, f"UC_{cid}", "Viewer", f"text {cid}", published, updated, parent)


def thread(cid: str, minute: int, edited: int | None = None) -> Thread:
    return Thread("vid", yc(cid, minute, edited=edited))


def test_first_poll_emits_everything_oldest_first_and_sets_the_cursor() -> None:
    threads = [thread("c", 3), thread("b", 2), thread("a", 1, edited=5)]
    result = plan("UC_chan", threads, None)
    assert [(p["comment_id"], p["change"]) for p in result.comments] == [
        ("a", "created"),
        ("b", "created"),
        ("c", "created"),
    ]
    assert result.cursor == Cursor(
        T0 + timedelta(minutes=3), frozenset({"c"}), T0 + timedelta(minutes=5)
    )


def test_next_poll_emits_only_new_comments_and_later_edits() -> None:
    cursor = Cursor(T0 + timedelta(minutes=3), frozenset({"c"}), T0 + timedelta(minutes=3))
    threads = [thread("d", 4), thread("c", 3, edited=6), thread("b", 2, edited=2)]
    result = plan("UC_chan", threads, cursor)
    assert [(p["comment_id"], p["change"]) for p in result.comments] == [
        ("d", "created"),
        ("c", "edited"),
    ]
    edit = result.comments[1]
    assert edit["changed_at"] == (T0 + timedelta(minutes=6)).isoformat()
    assert result.cursor == Cursor(
        T0 + timedelta(minutes=4), frozenset({"d"}), T0 + timedelta(minutes=6)
    )
    again = plan("UC_chan", threads, result.cursor)
    assert again.comments == [] and again.cursor == result.cursor


def test_same_second_comments_are_told_apart_by_id() -> None:
    cursor = Cursor(T0, frozenset({"a"}))
    result = plan("UC_chan", [thread("b", 0), thread("a", 0)], cursor)
    assert [p["comment_id"] for p in result.comments] == ["b"]
    assert result.cursor is not None and result.cursor.ids == {"a", "b"}


def test_replies_are_comments_of_the_thread() -> None:
    top = yc("t", 1)
    threads = [Thread("vid", top, (yc("r", 2, parent="t"),))]
    result = plan("UC_chan", threads, Cursor(T0 + timedelta(minutes=1), frozenset({"t"})))
    (reply,) = result.comments
    assert (reply["comment_id"], reply["parent_id"], reply["post_id"]) == ("r", "t", "vid")


def test_reached_once_a_page_holds_a_seen_thread() -> None:
    cursor = Cursor(T0 + timedelta(minutes=2), frozenset({"b"}))
    assert not reached(None, Page([thread("a", 1)], None))
    assert not reached(cursor, Page([thread("c", 3)], "next"))
    assert reached(cursor, Page([thread("c", 3), thread("b", 2)], "next"))
    assert reached(cursor, Page([thread("a", 1)], "next"))


def test_cursor_round_trips_through_json() -> None:
    cursor = Cursor(T0, frozenset({"a", "b"}), T0 + timedelta(hours=1))
    assert Cursor.from_json(cursor.to_json()) == cursor
    assert Cursor.from_json(Cursor(T0).to_json()) == Cursor(T0)


def test_parse_page_reads_the_documented_fields() -> None:
    body = {
        "nextPageToken": "tok",
        "items": [
            {
                "id": "t1",
                "snippet": {
                    "videoId": "vid9",
                    "topLevelComment": {
                        "id": "t1",
                        "snippet": {
                            "textOriginal": "Hallo",
                            "authorDisplayName": "Ann",
                            "authorChannelId": {"value": "UC_ann"},
                            "publishedAt": "2024-05-01T12:00:00Z",
                            "updatedAt": "2024-05-01T12:05:00Z",
                        },
                    },
                },
                "replies": {
                    "comments": [
                        {
                            "id": "t1.r",
                            "snippet": {
                                "textOriginal": "Re",
                                "authorDisplayName": "Bo",
                                "publishedAt": "2024-05-01T12:01:00Z",
                            },
                        }
                    ]
                },
            }
        ],
    }
    page = parse_page(body)
    assert page.next_token == "tok"
    (t,) = page.threads
    assert (t.video_id, t.top.author_id, t.top.updated_at) == (
        "vid9",
        "UC_ann",
        T0 + timedelta(minutes=5),
    )
    assert t.replies[0].parent_id == "t1" and t.replies[0].author_id == "unknown"


def test_quota_error_is_403_with_the_reason() -> None:
    body = {
        "error": {"code": 403, "errors": [{"domain": "youtube.quota", "reason": "quotaExceeded"}]}
    }
    assert quota_exceeded(403, body)
    assert not quota_exceeded(429, body)
    assert not quota_exceeded(403, {"error": {"errors": [{"reason": "forbidden"}]}})
    assert not quota_exceeded(403, "not json")


def test_daily_budget_resets_at_pacific_midnight() -> None:
    budget = DailyBudget(2)
    morning = datetime(2024, 5, 1, 7, 59, tzinfo=UTC)  # 00:59 in Los Angeles
    budget.spend(morning, 2)
    assert not budget.allows(morning)
    assert not budget.allows(datetime(2024, 5, 2, 6, 59, tzinfo=UTC))  # still May 1st there
    assert budget.allows(datetime(2024, 5, 2, 7, 0, tzinfo=UTC))
    assert next_quota_reset(morning) == datetime(2024, 5, 2, 7, 0, tzinfo=UTC)
