"""A rolling restart during a replay: each service in turn gets SIGTERM and is started again.

What Kubernetes does on every deploy. Each stop must be clean (exit 0, within the 30 s a pod gets
by default) having finished the batch in hand; the comments posted meanwhile (ingest's retries
included) are all decided once, every decided platform action happens once, and nothing ends in
the dead-letter stream.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.settings import Settings
from shared.streams.names import StreamNames
from steam_connect.processes import SERVICES
from tests.chaos.stack import ChaosStack
from tests.chaos.workload import check_exactly_once, run_disrupted

pytestmark = pytest.mark.e2e


async def _roll(stack: ChaosStack, rng: random.Random) -> None:
    for name in SERVICES:
        await asyncio.sleep(rng.uniform(0.8, 2.0))
        await asyncio.to_thread(stack.stop_gracefully, name)
        await asyncio.to_thread(stack.start, name)


async def test_each_service_restarted_in_turn_loses_nothing_doubles_nothing(
    settings: Settings, engine: AsyncEngine, redis: Redis, tmp_path: Path
) -> None:
    outcome = await run_disrupted(settings, tmp_path, _roll, engine, redis)
    stops = outcome.stack.graceful_stops
    assert [name for name, _code, _s in stops] == list(SERVICES)
    assert all(code == 0 for _name, code, _s in stops), f"{stops}\n{outcome.stack.logs()}"
    assert outcome.exit_codes == dict.fromkeys(SERVICES, 0), outcome.stack.logs()
    names = StreamNames(settings.stream_prefix)
    summary = await check_exactly_once(outcome, engine, redis, names)
    assert await redis.xlen(names.dead_letter) == 0, "a restart sent entries to the dead letters"
    timings = ", ".join(f"{name} {seconds:.1f} s" for name, _code, seconds in stops)
    print(f"\nrolling restart {summary}; stops took {timings}")  # noqa: T201
