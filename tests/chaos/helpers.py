"""Small builders and waits the fault tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from shared.contracts import Author, Comment, CommentReceived
from shared.streams.consumer import ConsumerConfig


def comment_event(n: int, run: str = "r") -> CommentReceived:
    now = datetime.now(UTC)
    cid = f"{run}-c{n}"
    return CommentReceived(
        occurred_at=now,
        correlation_id=f"facebook:{cid}",
        account_id="1001",
        comment=Comment(
            platform="facebook",
            account_id="1001",
            comment_id=cid,
            post_id="p1",
            thread_id=f"facebook:{cid}",
            author=Author(id="a1", name="Jane"),
            text=f"comment {n}",
            created_at=now,
        ),
    )


def fast_config(max_attempts: int = 3, batch_size: int = 50) -> ConsumerConfig:
    return ConsumerConfig(
        batch_size=batch_size,
        block_ms=50,
        reclaim_idle_ms=200,
        reclaim_interval_s=0.05,
        max_attempts=max_attempts,
    )


async def until(predicate: Callable[[], Awaitable[bool]], what: str, limit_s: float = 20.0) -> None:
    """Polls; the failure says what was awaited."""
    deadline = asyncio.get_running_loop().time() + limit_s
    while not await predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: not reached within {limit_s:.0f}s")
        await asyncio.sleep(0.05)
