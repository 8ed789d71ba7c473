"""What every service process shares: Redis, broker, consumers, reclaimers, health, metrics.

A service's composition root creates a `ServiceRuntime`, registers its consumers and routes, and
asks for the ASGI app; `serve()` runs it under uvicorn, which turns SIGTERM into a graceful
shutdown (the lifespan stops the broker, then the reclaimers, then closes connections).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.db.session import asyncpg_dsn
from shared.http_body_limit import BodyLimit, LimitRequestBody
from shared.metrics import render_latest
from shared.rate_limit import RateLimitPerKey, RatePolicy
from shared.redis_connection import (
    AsyncRedis,
    async_client,
    broker,
    rate_limit_storage_uri,
    stream_names,
)
from shared.settings import Settings
from shared.streams.consumer import (
    BatchHandler,
    ConsumerConfig,
    StreamConsumer,
    ensure_group,
)
from shared.streams.names import consumer_name
from shared.streams.ownership import OwnershipConfig, PartitionOwner
from shared.streams.publisher import EventPublisher

log = logging.getLogger(__name__)

EventT = TypeVar("EventT", bound=BaseModel)
Hook = Callable[[], Awaitable[None]]


class ServiceRuntime:
    """The I/O shell of one service process; built by its composition root, never at import."""

    def __init__(self, service: str, settings: Settings, engine: AsyncEngine | None = None) -> None:
        self.service = service
        self.settings = settings
        self.names = stream_names(settings)
        self.redis: AsyncRedis = async_client(settings)
        self.broker = broker(settings, log_level=logging.DEBUG)
        self.publisher = EventPublisher(self.redis, settings.stream_maxlen, self.names)
        self.engine = engine
        self.consumer = consumer_name(service)
        self._partitions: dict[int, list[StreamConsumer[Any]]] = {}
        """Per partition, this service's consumer of each stream it reads."""
        self._reading: dict[int, tuple[asyncio.Event, list[asyncio.Task[None]]]] = {}
        self._startup: list[Hook] = []
        self._shutdown: list[Hook] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def consume(
        self,
        stream: str,
        logical_name: str,
        group: str,
        model: type[EventT],
        handler: BatchHandler[EventT],
        *,
        batch_size: int | None = None,
    ) -> None:
        """Read the logical `stream` in `group`: each partition while this process owns it.

        `batch_size` overrides CONSUMER_BATCH_SIZE for a handler whose batches are slow.
        """
        config = ConsumerConfig(
            batch_size=batch_size or self.settings.consumer_batch_size,
            block_ms=self.settings.consumer_block_ms,
            reclaim_idle_ms=self.settings.reclaim_idle_ms,
            reclaim_interval_s=self.settings.reclaim_interval_s,
            max_attempts=self.settings.max_delivery_attempts,
        )
        for shard, key in enumerate(self.names.partitions(stream)):
            consumer = StreamConsumer(
                redis=self.redis,
                stream=key,
                logical_name=logical_name,
                group=group,
                consumer=self.consumer,
                model=model,
                handler=handler,
                dead_letter_stream=self.names.partition(self.names.dead_letter, shard),
                config=config,
            )
            self._partitions.setdefault(shard, []).append(consumer)

    def on_startup(self, hook: Hook) -> None:
        self._startup.append(hook)

    def on_shutdown(self, hook: Hook) -> None:
        self._shutdown.append(hook)

    def spawn(self, factory: Callable[[asyncio.Event], Coroutine[Any, Any, None]]) -> None:
        """Run a background loop that ends when the service stops (e.g. a poller)."""
        self._startup.append(lambda: self._spawn(factory))

    async def _spawn(self, factory: Callable[[asyncio.Event], Coroutine[Any, Any, None]]) -> None:
        self._tasks.append(asyncio.create_task(factory(self._stop)))

    @asynccontextmanager
    async def lifespan(self, _app: FastAPI) -> AsyncIterator[None]:
        for consumers in self._partitions.values():
            for consumer in consumers:
                await ensure_group(self.redis, consumer.stream, consumer.group)
        for hook in self._startup:
            await hook()
        owner: PartitionOwner | None = None
        if self._partitions:
            await self.broker.start()
            owner = self._partition_owner()
            await owner.tick()  # a lone process reads at once; a stand-by keeps trying
            self._tasks.append(asyncio.create_task(owner.run(self._stop)))
        log.info("%s started as %s", self.service, self.consumer)
        try:
            yield
        finally:
            log.info("%s stopping", self.service)
            self._stop.set()  # first: no partition is taken over while stopping
            await asyncio.gather(*self._tasks, return_exceptions=True)  # gives partitions back
            if self._partitions:
                await self.broker.stop()
            for hook in self._shutdown:
                await hook()
            if self.engine is not None:
                await self.engine.dispose()
            await self.redis.aclose()

    def _partition_owner(self) -> PartitionOwner:
        config = OwnershipConfig(
            service=self.service,
            member=self.consumer,
            database_dsn=asyncpg_dsn(self.settings.database_url),
            interval_s=self.settings.ownership_interval_s,
            member_ttl_s=self.settings.member_ttl_s,
        )
        return PartitionOwner(config, self.names, self.redis, self._read, self._stop_reading)

    async def _read(self, shard: int) -> None:
        """Now the owner of `shard`: finish what the last reader left, then read on."""
        consumers = self._partitions.get(shard, [])
        stop = asyncio.Event()
        for consumer in consumers:
            taken = await consumer.take_over()
            if taken:
                log.info(
                    "%s took over %d pending entries of %s", self.service, taken, consumer.stream
                )
        tasks: list[asyncio.Task[None]] = []
        self._reading[shard] = (stop, tasks)  # first: a failure below stops what did start
        reclaimer = f"{self.consumer}-reclaim"
        for consumer in consumers:
            await consumer.start(self.broker)
            tasks.append(asyncio.create_task(consumer.run_reclaimer(reclaimer, stop)))

    async def _stop_reading(self, shard: int) -> None:
        stop, tasks = self._reading.pop(shard, (asyncio.Event(), []))
        stop.set()  # first: a reclaimer must not revive the subscribers stopped below
        failed: list[BaseException] = []
        for consumer in self._partitions.get(shard, []):
            try:
                await consumer.stop()
            except Exception as exc:  # noqa: BLE001 - every one is stopped, then it is raised
                failed.append(exc)
        await asyncio.gather(*tasks, return_exceptions=True)
        if failed:
            raise failed[0]

    async def health(self) -> dict[str, str]:
        """Checks each dependency the service needs; a failing one makes /healthz answer 503."""
        checks: dict[str, str] = {}
        try:
            await self.redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001 - reported, not swallowed
            checks["redis"] = f"error: {type(exc).__name__}"
        if self.engine is not None:
            try:
                async with self.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                checks["database"] = "ok"
            except Exception as exc:  # noqa: BLE001
                checks["database"] = f"error: {type(exc).__name__}"
        return checks

    def build_app(
        self,
        title: str,
        *,
        body_limits: Sequence[BodyLimit] = (),
        rates: RatePolicy | None = None,
    ) -> FastAPI:
        """The service's app with health, metrics and the limits every entry point shares.

        Middleware run outermost first: NUL check, body cap (no I/O), then the rate limit
        (one Redis call), so an oversized or malformed request costs nothing downstream.
        """
        app = FastAPI(title=title, lifespan=self.lifespan)
        if rates is not None:
            app.add_middleware(
                RateLimitPerKey,
                policy=rates,
                storage_uri=rate_limit_storage_uri(self.settings),
                key_prefix=f"{self.settings.stream_prefix}:ratelimit",
                service=self.service,
            )
        app.add_middleware(
            LimitRequestBody,
            limits=body_limits,
            default_bytes=self.settings.http_max_body_bytes,
            service=self.service,
        )
        app.add_middleware(RefuseNulInUrl)

        @app.get("/healthz", tags=["operations"])
        async def healthz(response: Response) -> dict[str, Any]:
            checks = await self.health()
            ok = all(v == "ok" for v in checks.values())
            response.status_code = 200 if ok else 503
            return {"status": "ok" if ok else "degraded", "service": self.service, **checks}

        @app.get("/metrics", tags=["operations"], include_in_schema=False)
        async def metrics() -> Response:
            body, content_type = render_latest()
            return Response(body, media_type=content_type)

        return app


class RefuseNulInUrl:
    """PostgreSQL text cannot hold NUL: a URL with one would end in a 500 from the first query
    that uses it (found by tests/fuzz), so it is refused with 422 before any route runs."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            url = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
            if b"%00" in url or b"\x00" in url:
                detail = "NUL characters (%00) are not accepted in the path or query"
                await JSONResponse({"detail": detail}, status_code=422)(scope, receive, send)
                return
        await self._app(scope, receive, send)


def _exit_after_graceful_shutdown(signum: int, _frame: object) -> None:
    """uvicorn re-raises the captured SIGTERM after shutting down; a drained stop exits 0."""
    raise SystemExit(0)


def serve(app: FastAPI, settings: Settings, port: int) -> None:
    """Run under uvicorn; SIGTERM/SIGINT trigger the lifespan shutdown above."""
    signal.signal(signal.SIGTERM, _exit_after_graceful_shutdown)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=port,
        log_level=settings.log_level.lower(),
        access_log=False,
        log_config=None,
    )
