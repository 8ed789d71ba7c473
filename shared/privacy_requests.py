"""Asking every service about one author's personal data and collecting their answers.

Used by `steam-connect privacy` and reporting's admin API alike: a request goes on the `privacy`
stream, each answering service publishes its part on `privacy-answers`, the asker reads them and
then deletes requests and answers from Redis (they carry the very data asked about).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.clock import utcnow
from shared.contracts.comments import Platform
from shared.contracts.privacy import (
    EVERY_ACCOUNT,
    PrivacyAnswered,
    PrivacyKind,
    PrivacyRequested,
    privacy_subject,
)
from shared.redis_connection import AsyncRedis
from shared.streams.codec import decode
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher

ANSWERING = ("triage", "responder", "reporting")
"""The services that answer `export` and `erase` from their consumers."""


class NoAnswer(RuntimeError):
    """A service did not answer in time: the request stays queued for it; run again later."""


@dataclass(frozen=True)
class Asker:
    redis: AsyncRedis
    names: StreamNames
    maxlen: int
    timeout_s: float

    async def ask(self, request: PrivacyRequested, services: tuple[str, ...]) -> dict[str, Any]:
        """Publishes the request and waits for each service's answer; returns them by service."""
        answers_key = self.names.route(self.names.privacy_answers, request.correlation_id)
        publisher = EventPublisher(self.redis, self.maxlen, self.names)
        (request_entry,) = await publisher.publish([(self.names.privacy, request)])
        answers: dict[str, Any] = {}
        seen: list[bytes] = []
        cursor = "0-0"
        deadline = time.monotonic() + self.timeout_s
        while set(answers) < set(services):
            if time.monotonic() > deadline:
                missing = sorted(set(services) - set(answers))
                raise NoAnswer(
                    f"{', '.join(missing)} did not answer {request.kind} request "
                    f"{request.request_id} within {self.timeout_s:.0f} s; it stays queued, "
                    "run the command again once the services are up"
                )
            reply: Any = await self.redis.xread({answers_key: cursor}, count=100, block=500)
            for _key, entries in reply or []:
                for entry_id, fields in entries:
                    cursor = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    answer = PrivacyAnswered.model_validate(decode(fields))
                    if answer.request_id == request.request_id:
                        answers[answer.service] = answer.data
                        seen.append(entry_id)
        await self.redis.xdel(answers_key, *seen)
        request_key = self.names.route(self.names.privacy, request.correlation_id)
        await self.redis.xdel(request_key, request_entry)
        return answers


def request_for(
    kind: PrivacyKind, platform: Platform, author_id: str, by: str, **where: Any
) -> PrivacyRequested:
    return PrivacyRequested(
        occurred_at=utcnow(),
        correlation_id=privacy_subject(platform, author_id),
        account_id=EVERY_ACCOUNT,
        request_id=uuid.uuid4().hex,
        kind=kind,
        platform=platform,
        author_id=author_id,
        requested_by=by,
        **where,
    )


def purge_request(
    by: str, *, dry_run: bool = False, as_of: datetime | None = None
) -> PrivacyRequested:
    """A retention purge, about no one: every row past its account's retention."""
    return PrivacyRequested(
        occurred_at=utcnow(),
        correlation_id="privacy:purge",
        account_id=EVERY_ACCOUNT,
        request_id=uuid.uuid4().hex,
        kind="purge",
        requested_by=by,
        dry_run=dry_run,
        as_of=as_of,
    )


async def locate_then(
    asker: Asker, kind: PrivacyKind, platform: Platform, author_id: str, by: str
) -> tuple[PrivacyRequested, dict[str, Any]]:
    """`locate` (reporting names the author's comments), then `kind` to every answering
    service; returns the second request and the answers by service."""
    located = (await asker.ask(request_for("locate", platform, author_id, by), ("reporting",)))[
        "reporting"
    ]
    request = request_for(
        kind,
        platform,
        author_id,
        by,
        comment_ids=located["comment_ids"],
        thread_ids=located["thread_ids"],
        held=located["held"],
    )
    return request, await asker.ask(request, ANSWERING)


def summary(request: PrivacyRequested, answers: dict[str, Any]) -> dict[str, Any]:
    """The whole answer as one document; an erasure's names no one."""
    return {
        "request_id": request.request_id,
        "kind": request.kind,
        "platform": request.platform,
        "author_id": request.author_id if request.kind == "export" else None,
        "requested_by": request.requested_by,
        "at": request.occurred_at.isoformat(),
        "comments": len(request.comment_ids),
        "exchanges_opened": len(request.thread_ids),
        "kept_under_legal_hold": request.held,
        "services": answers,
    }
