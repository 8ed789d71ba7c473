"""Thousands of comments through the four real processes while triage and responder are killed
with SIGKILL at random moments and restarted: nothing is lost, nothing happens twice
(`tests/chaos/workload.py` has the workload and the checks)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.settings import Settings
from shared.streams.names import StreamNames
from tests.chaos.stack import ChaosStack
from tests.chaos.workload import check_exactly_once, run_disrupted

pytestmark = pytest.mark.e2e

KILLS = 4


async def _killer(stack: ChaosStack, rng: random.Random) -> None:
    for n in range(KILLS):
        await asyncio.sleep(rng.uniform(0.8, 2.5))
        victim = ("triage", "responder")[n % 2]
        stack.kill(victim)
        await asyncio.sleep(rng.uniform(0.1, 0.8))
        await asyncio.to_thread(stack.start, victim)


async def test_sigkilled_triage_and_responder_lose_nothing_and_double_nothing(
    settings: Settings, engine: AsyncEngine, redis: Redis, tmp_path: Path
) -> None:
    outcome = await run_disrupted(settings, tmp_path, _killer, engine, redis)
    # Every service, reporting included, must end cleanly after the run (reporting once needed
    # more than 20 s for its SIGTERM; the rolling-restart test times each stop).
    unclean = {k: c for k, c in outcome.exit_codes.items() if c != 0}
    assert not unclean, f"unclean exit {outcome.exit_codes}\n{outcome.stack.logs()}"
    summary = await check_exactly_once(outcome, engine, redis, StreamNames(settings.stream_prefix))
    print(f"\nchaos {summary}; kills {outcome.stack.kills}")  # noqa: T201 - counts asked for
