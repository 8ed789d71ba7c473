"""`steam-connect replay`: feed an NDJSON file of comments through ingest's HTTP API.

Lines go in batches; a batch ingest rejects is retried line by line so the summary names the bad
line numbers. Lines that are not JSON are reported with their number, never silently dropped.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import httpx

COMMENTS_PATH = "/v1/comments"
OUTCOMES = ("accepted", "duplicates", "ignored")


@dataclass(frozen=True)
class Line:
    number: int
    body: Any


@dataclass
class ReplaySummary:
    """Counts per outcome plus every rejected line with the reason ingest (or JSON) gave."""

    accepted: int = 0
    duplicates: int = 0
    ignored: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.accepted + self.duplicates + self.ignored + len(self.rejected)

    def render(self) -> str:
        head = (
            f"replayed {self.total} lines: {self.accepted} accepted, {self.duplicates} duplicates,"
            f" {self.ignored} ignored, {len(self.rejected)} rejected"
        )
        rows = [f"  line {number}: {reason}" for number, reason in sorted(self.rejected)]
        return "\n".join([head, *rows])


def parse_lines(lines: Iterable[str], summary: ReplaySummary) -> list[Line]:
    """JSON lines to bodies; blank lines are skipped, bad ones recorded as rejected."""
    parsed: list[Line] = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            parsed.append(Line(number, json.loads(raw)))
        except json.JSONDecodeError as exc:
            summary.rejected.append((number, f"not JSON: {exc.msg} at column {exc.colno}"))
    return parsed


def batches(lines: Sequence[Line], size: int) -> Iterator[Sequence[Line]]:
    for start in range(0, len(lines), size):
        yield lines[start : start + size]


def count_outcomes(body: Any, sent: int) -> dict[str, int]:
    """Ingest's answer to an accepted batch as counts per outcome; unknown shapes are an error."""
    if not isinstance(body, dict) or not any(key in body for key in OUTCOMES):
        raise ValueError(f"ingest answered a batch of {sent} with an unexpected body: {body!r}")
    counts = {}
    for key in OUTCOMES:
        value = body.get(key, 0)
        counts[key] = len(value) if isinstance(value, list) else int(value)
    return counts


def _describe(item: Any) -> str:
    """One error entry: ingest's `{field, message}` or FastAPI's `{loc, msg}`."""
    if not isinstance(item, dict):
        return str(item)
    if "message" in item:
        field_name = item.get("field") or ""
        return f"{field_name}: {item['message']}" if field_name else str(item["message"])
    loc = ".".join(str(p) for p in item.get("loc", []) if p != "body" and not isinstance(p, int))
    return f"{loc}: {item.get('msg', item)}" if loc else str(item.get("msg", item))


def error_reason(response: httpx.Response) -> str:
    """The most specific reason in an error answer, naming the field where ingest does."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    if isinstance(body, dict):
        entries = body.get("details", body.get("detail", body.get("error", body)))
    else:
        entries = body
    if isinstance(entries, list):
        return f"HTTP {response.status_code}: " + "; ".join(_describe(e) for e in entries)
    return f"HTTP {response.status_code}: {entries}"


class Replayer:
    """Posts batches to ingest and folds the answers into a summary.

    A batch refused for its size (413) is halved until it fits; a 429 is waited out for as long
    as Retry-After says, so a replay shares a rate-limited key without losing a line.
    """

    def __init__(
        self,
        client: httpx.Client,
        summary: ReplaySummary,
        sleep: Callable[[float], None] = time.sleep,
        max_wait_s: float = 120.0,
    ) -> None:
        self._client = client
        self.summary = summary
        self._sleep = sleep
        self._max_wait_s = max_wait_s

    def _post(self, lines: Sequence[Line]) -> httpx.Response:
        response = self._client.post(COMMENTS_PATH, json=[line.body for line in lines])
        while response.status_code == 429:
            self._sleep(min(self._max_wait_s, retry_after_s(response)))
            response = self._client.post(COMMENTS_PATH, json=[line.body for line in lines])
        if response.status_code == 413 and len(lines) == 1:
            return response  # one line too large on its own: that line is rejected
        if response.status_code >= 500 or response.status_code in (401, 403):
            raise RuntimeError(
                f"ingest refused the batch starting at line {lines[0].number}: "
                f"{error_reason(response)}"
            )
        return response

    def _add(self, counts: dict[str, int]) -> None:
        self.summary.accepted += counts["accepted"]
        self.summary.duplicates += counts["duplicates"]
        self.summary.ignored += counts["ignored"]

    def send(self, lines: Sequence[Line]) -> None:
        response = self._post(lines)
        if response.is_success:
            self._add(count_outcomes(response.json(), len(lines)))
            return
        if response.status_code == 413 and len(lines) > 1:
            half = len(lines) // 2
            self.send(lines[:half])
            self.send(lines[half:])
            return
        if len(lines) == 1:
            self.summary.rejected.append((lines[0].number, error_reason(response)))
            return
        for line in lines:  # pinpoint the bad line(s) of a rejected batch
            self.send([line])


def retry_after_s(response: httpx.Response) -> float:
    """Retry-After in seconds (ingest sends whole seconds); 1 s when absent or unreadable."""
    try:
        return max(0.0, float(response.headers.get("Retry-After", "1")))
    except ValueError:
        return 1.0


def progress(done: int, total: int, out: TextIO) -> None:
    width = 30
    filled = width * done // total if total else width
    out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} lines")
    out.flush()


def replay(
    path: Path,
    *,
    url: str,
    api_key: str,
    batch: int = 200,
    out: TextIO = sys.stderr,
    client: httpx.Client | None = None,
) -> ReplaySummary:
    """Send every line of `path`; raises when ingest is unreachable or refuses the key."""
    summary = ReplaySummary()
    with path.open(encoding="utf-8") as handle:
        lines = parse_lines(handle, summary)
    own = client is None
    http = client or httpx.Client(base_url=url, timeout=30.0)
    http.headers["Authorization"] = f"Bearer {api_key}"
    replayer = Replayer(http, summary)
    try:
        done = 0
        for chunk in batches(lines, batch):
            replayer.send(chunk)
            done += len(chunk)
            progress(done, len(lines), out)
        out.write("\n")
    finally:
        if own:
            http.close()
    return summary
