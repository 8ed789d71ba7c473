"""One service's side of a privacy request: export, erase or purge what it holds, and answer
for itself.

Triage, the responder and reporting each run one, built by their `use_cases/privacy.py` with
the tables of their plan (`shared.privacy.PLANS`), the streams they publish (whose entries about
the author go on erasure, and past retention on a purge) and, where a service knows more, hooks:
reporting's `locate` and its audit entries. Answers go to the `privacy-answers` stream, where the
asker reads them. The same purge runs in the background every PRIVACY_PURGE_INTERVAL_S.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.accounts import Account, AccountDirectory
from shared.clock import utcnow
from shared.contracts.privacy import EVERY_ACCOUNT, PrivacyAnswered, PrivacyRequested
from shared.db.erasure import Horizon, Retention, Subject, erase, export, purge
from shared.db.partitions import PARTITIONED, ensure_months
from shared.privacy import ANCHORS, EVIDENCE, PLANS, erasure_token
from shared.privacy_requests import purge_request
from shared.redis_connection import AsyncRedis
from shared.runtime import ServiceRuntime
from shared.streams.consumer import Delivery
from shared.streams.erasure import erase_entries, trim_streams
from shared.streams.names import StreamNames
from shared.streams.publisher import Publisher

log = logging.getLogger(__name__)

Hook = Callable[[PrivacyRequested, AsyncSession], Awaitable[dict[str, Any]]]


def subject_of(request: PrivacyRequested) -> Subject:
    platform, author_id = request.named()
    return Subject(
        platform=platform,
        author_id=author_id,
        comment_ids=tuple(request.comment_ids),
        thread_ids=tuple(request.thread_ids),
        held=frozenset(request.held),
    )


@dataclass
class PrivacyHandler:
    """Batch handler for `PrivacyRequested`; one transaction per request, then its answer."""

    service: str
    redis: AsyncRedis
    names: StreamNames
    publisher: Publisher
    sessions: async_sessionmaker[AsyncSession]
    own_streams: Sequence[str] = ()
    """Logical streams this service publishes: erasure deletes their entries about the author."""
    accounts: AccountDirectory | None = None
    """Each account's retention; accounts not in it keep the default (365 days)."""
    purge_interval_s: float = 0.0
    locate: Hook | None = None
    export_extra: Hook | None = None
    erase_extra: Hook | None = None

    @classmethod
    def of(
        cls,
        runtime: ServiceRuntime,
        sessions: async_sessionmaker[AsyncSession],
        accounts: AccountDirectory,
        own_streams: Sequence[str],
        **hooks: Hook,
    ) -> PrivacyHandler:
        """The handler of `runtime`'s service, its purge paced by PRIVACY_PURGE_INTERVAL_S."""
        return cls(
            service=runtime.service,
            redis=runtime.redis,
            names=runtime.names,
            publisher=runtime.publisher,
            sessions=sessions,
            accounts=accounts,
            purge_interval_s=runtime.settings.privacy_purge_interval_s,
            own_streams=own_streams,
            **hooks,
        )

    async def __call__(self, batch: Sequence[Delivery[PrivacyRequested]]) -> None:
        answers = []
        for delivery in batch:
            request = delivery.event
            data = await self._answer(request)
            if data is None:
                continue
            answers.append(
                (
                    self.names.privacy_answers,
                    PrivacyAnswered(
                        occurred_at=utcnow(),
                        correlation_id=request.correlation_id,
                        account_id=EVERY_ACCOUNT,
                        request_id=request.request_id,
                        kind=request.kind,
                        service=self.service,
                        data=data,
                    ),
                )
            )
            log.info(
                "privacy %s %s answered by %s",
                request.kind,
                request.request_id,
                self.service,
                extra={"correlation_id": request.correlation_id},
            )
        await self.publisher.publish(answers)

    async def _answer(self, request: PrivacyRequested) -> dict[str, Any] | None:
        if request.kind == "locate":
            return await self._in_transaction(self.locate, request) if self.locate else None
        if request.kind == "export":
            return await self._in_transaction(self._export, request)
        if request.kind == "purge":
            return await self._in_transaction(self._purge, request)
        return await self._in_transaction(self._erase, request)

    async def _purge(self, request: PrivacyRequested, session: AsyncSession) -> dict[str, Any]:
        as_of = request.as_of or utcnow()
        limits = horizon(
            self.accounts, as_of, EVIDENCE.get(self.service), ANCHORS.get(self.service)
        )
        plans = PLANS.get(self.service, ())
        if any(plan.table in PARTITIONED for plan in plans):
            await ensure_months(session, utcnow())  # the coming months, before any is dropped
        changed: dict[str, Any] = dict(await purge(session, plans, limits, dry_run=request.dry_run))
        keys = [key for stream in self.own_streams for key in self.names.partitions(stream)]
        changed["stream_entries"] = await trim_streams(
            self.redis, keys, shortest_cutoff(limits), dry_run=request.dry_run
        )
        return changed

    async def run_purges(self, stop: asyncio.Event) -> None:
        """The background purge: every `purge_interval_s` (0: never), as of then."""
        while self.purge_interval_s > 0 and not stop.is_set():
            with contextlib.suppress(TimeoutError):  # first an interval: not at every start
                await asyncio.wait_for(stop.wait(), self.purge_interval_s)
            if stop.is_set():
                return
            try:
                changed = await self._in_transaction(
                    self._purge, purge_request(f"{self.service}:retention")
                )
                log.info("retention purge of %s: %s", self.service, changed)
            except Exception:
                log.exception("retention purge of %s failed; trying again later", self.service)

    async def _in_transaction(self, step: Hook, request: PrivacyRequested) -> dict[str, Any]:
        async with self.sessions() as session, session.begin():
            return await step(request, session)

    async def _export(self, request: PrivacyRequested, session: AsyncSession) -> dict[str, Any]:
        held = await export(session, PLANS.get(self.service, ()), subject_of(request))
        if self.export_extra is not None:
            held.update(await self.export_extra(request, session))
        return held

    async def _erase(self, request: PrivacyRequested, session: AsyncSession) -> dict[str, Any]:
        who, token = subject_of(request), erasure_token(request.request_id)
        changed: dict[str, Any] = dict(
            await erase(session, PLANS.get(self.service, ()), who, token)
        )
        keys = [key for stream in self.own_streams for key in self.names.partitions(stream)]
        changed["stream_entries"] = await erase_entries(
            self.redis, keys, frozenset(request.comment_ids), who.author_id
        )
        if self.erase_extra is not None:
            changed.update(await self.erase_extra(request, session))
        return changed


def horizon(
    accounts: AccountDirectory | None,
    as_of: datetime,
    evidence_sql: str | None = None,
    anchor: tuple[str, str] | None = None,
) -> Horizon:
    """The cut-offs of every configured account as of `as_of`."""
    default = Account.model_fields["retention_days"].default
    configured = list(accounts or [])
    evidence_days = max(
        [a.evidence_retention_days for a in configured]
        + [Account.model_fields["evidence_retention_days"].default]
    )
    return Horizon(
        accounts=tuple(
            Retention(a.platform, a.account_id, as_of - timedelta(days=a.retention_days))
            for a in configured
        ),
        default_cutoff=as_of - timedelta(days=default),
        evidence_cutoff=as_of - timedelta(days=evidence_days),
        evidence_sql=evidence_sql,
        anchor=anchor,
    )


def shortest_cutoff(limits: Horizon) -> datetime:
    """Streams mix accounts: their entries go at the most recent cut-off of any account."""
    return max([r.cutoff for r in limits.accounts] + [limits.default_cutoff])
