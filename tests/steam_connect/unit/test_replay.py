"""Replay's bookkeeping: every line ends up counted or named as rejected with its number."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from steam_connect.replay import (
    Line,
    Replayer,
    ReplaySummary,
    batches,
    count_outcomes,
    error_reason,
    parse_lines,
    replay,
)


def test_bad_json_lines_are_rejected_with_their_number_and_blank_lines_skipped() -> None:
    summary = ReplaySummary()
    lines = parse_lines(['{"a": 1}\n', "\n", "{oops\n", '{"b": 2}\n'], summary)
    assert [line.number for line in lines] == [1, 4]
    assert [n for n, _ in summary.rejected] == [3]
    assert "not JSON" in summary.rejected[0][1]


def test_batches_keep_order_and_size() -> None:
    lines = [Line(n, {}) for n in range(1, 6)]
    assert [[line.number for line in b] for b in batches(lines, 2)] == [[1, 2], [3, 4], [5]]


def test_counts_come_from_ingest_answer_and_unknown_shapes_fail() -> None:
    assert count_outcomes({"accepted": 2, "duplicates": 1, "ignored": 0}, 3) == {
        "accepted": 2,
        "duplicates": 1,
        "ignored": 0,
    }
    with pytest.raises(ValueError, match="unexpected body"):
        count_outcomes({"ok": True}, 1)


def test_error_reason_names_the_field() -> None:
    detail = {"detail": [{"loc": ["body", 0, "created_at"], "msg": "timestamp has no time zone"}]}
    reason = error_reason(httpx.Response(422, json=detail))
    assert reason == "HTTP 422: created_at: timestamp has no time zone"
    assert error_reason(httpx.Response(400, text="nope")) == "HTTP 400: nope"


def test_summary_lists_rejected_lines_in_order() -> None:
    summary = ReplaySummary(accepted=3, duplicates=1, rejected=[(9, "b"), (2, "a")])
    assert summary.render().splitlines() == [
        "replayed 6 lines: 3 accepted, 1 duplicates, 0 ignored, 2 rejected",
        "  line 2: a",
        "  line 9: b",
    ]


def _fake_ingest(request: httpx.Request) -> httpx.Response:
    """Rejects a whole request if any comment lacks `text`, like ingest's all-or-nothing check."""
    assert request.headers["Authorization"] == "Bearer k"
    items: list[dict[str, Any]] = json.loads(request.content)
    missing = [i for i, item in enumerate(items) if "text" not in item]
    if missing:
        errors = [
            {"index": i, "field": "text", "message": "required field is missing"} for i in missing
        ]
        return httpx.Response(422, json={"error": "invalid comment", "details": errors})
    dupes = sum(1 for item in items if item.get("dup"))
    return httpx.Response(
        202, json={"accepted": len(items) - dupes, "duplicates": dupes, "ignored": 0}
    )


def test_a_rejected_batch_is_retried_line_by_line(tmp_path: Path) -> None:
    source = tmp_path / "in.ndjson"
    rows = [
        '{"text": "a"}',
        '{"text": "b", "dup": true}',
        "not json",
        '{"no": "text"}',
        '{"text": "c"}',
    ]
    source.write_text("\n".join(rows) + "\n")
    client = httpx.Client(base_url="http://ingest", transport=httpx.MockTransport(_fake_ingest))
    progress = io.StringIO()
    summary = replay(source, url="http://ingest", api_key="k", batch=3, out=progress, client=client)
    assert (summary.accepted, summary.duplicates, summary.ignored) == (2, 1, 0)
    assert [n for n, _ in sorted(summary.rejected)] == [3, 4]
    assert "text: required field is missing" in dict(summary.rejected)[4]
    assert "4/4 lines" in progress.getvalue()


def test_an_unauthorised_batch_stops_the_replay() -> None:
    client = httpx.Client(
        base_url="http://ingest",
        transport=httpx.MockTransport(lambda _r: httpx.Response(401, json={"detail": "bad key"})),
    )
    with pytest.raises(RuntimeError, match="line 7"):
        Replayer(client, ReplaySummary()).send([Line(7, {"text": "x"})])


def test_a_batch_too_large_is_halved_and_a_429_is_waited_out() -> None:
    """Ingest's caps (3 comments a request here) and its rate limit cost a replay no line."""
    seen: list[int] = []
    limited = iter([True, False, False, False, False, False])

    def capped_ingest(request: httpx.Request) -> httpx.Response:
        items: list[dict[str, Any]] = json.loads(request.content)
        if next(limited, False):
            return httpx.Response(429, headers={"Retry-After": "7"}, json={"error": "rate"})
        if len(items) > 3:
            return httpx.Response(413, json={"error": "request body too large"})
        seen.append(len(items))
        return httpx.Response(202, json={"accepted": len(items), "duplicates": 0, "ignored": 0})

    waits: list[float] = []
    client = httpx.Client(base_url="http://ingest", transport=httpx.MockTransport(capped_ingest))
    replayer = Replayer(client, ReplaySummary(), sleep=waits.append)
    replayer.send([Line(n, {"text": str(n)}) for n in range(1, 11)])
    assert replayer.summary.accepted == 10 and not replayer.summary.rejected
    assert sum(seen) == 10 and max(seen) <= 3
    assert waits == [7.0]


def test_a_single_line_too_large_is_rejected_with_its_number() -> None:
    client = httpx.Client(
        base_url="http://ingest",
        transport=httpx.MockTransport(
            lambda _r: httpx.Response(413, json={"detail": "accepts at most 8 MiB"})
        ),
    )
    replayer = Replayer(client, ReplaySummary())
    replayer.send([Line(4, {"text": "x"})])
    assert replayer.summary.rejected == [(4, "HTTP 413: accepts at most 8 MiB")]
