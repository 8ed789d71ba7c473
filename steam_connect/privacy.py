"""`steam-connect privacy export|erase --platform P --author-id A`: an author's access (GDPR
Art. 15) and erasure (Art. 17) requests, carried out by every service on what it holds.

Each service may read and change only its own tables, so the request travels as events: first
`locate` (reporting keeps every comment: it names the author's comments, the exchanges they
opened and the evidence under legal hold), then `export` or `erase` naming those to triage, the
responder and reporting, each of which answers for itself on the `privacy-answers` stream.
Ingest keeps only Redis keys and reads no stream, so its part runs here. The answers and the
requests are deleted from Redis once read: they carry the very data asked about.

Erasure is repeatable: a second run finds nothing more to change, and a comment the platform
delivers again afterwards is taken as new.
"""

from __future__ import annotations

import asyncio
import getpass
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.ingest.use_cases import privacy as ingest_privacy
from shared.accounts import AccountDirectory
from shared.clock import utcnow
from shared.contracts.comments import Platform
from shared.contracts.privacy import (
    EVERY_ACCOUNT,
    PrivacyAnswered,
    PrivacyKind,
    PrivacyRequested,
    privacy_subject,
)
from shared.redis_connection import AsyncRedis, async_client, stream_names
from shared.settings import Settings
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


def _request(
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


async def carry_out(
    settings: Settings,
    kind: PrivacyKind,
    platform: Platform,
    author_id: str,
    *,
    by: str,
    timeout_s: float = 60.0,
) -> dict[str, Any]:
    """Locates the author's data, then exports or erases it everywhere; the whole answer."""
    redis = async_client(settings)
    names = stream_names(settings)
    asker = Asker(redis, names, settings.stream_maxlen, timeout_s)
    try:
        located = (await asker.ask(_request("locate", platform, author_id, by), ("reporting",)))[
            "reporting"
        ]
        request = _request(
            kind,
            platform,
            author_id,
            by,
            comment_ids=located["comment_ids"],
            thread_ids=located["thread_ids"],
            held=located["held"],
        )
        answers = await asker.ask(request, ANSWERING)
        part = ingest_privacy.export if kind == "export" else ingest_privacy.erase
        answers["ingest"] = await part(redis, names, request)
    finally:
        await redis.aclose()
    return {
        "request_id": request.request_id,
        "kind": kind,
        "platform": platform,
        "author_id": author_id if kind == "export" else None,
        "requested_by": by,
        "at": request.occurred_at.isoformat(),
        "comments": len(request.comment_ids),
        "exchanges_opened": len(request.thread_ids),
        "kept_under_legal_hold": request.held,
        "services": answers,
    }


async def purge(
    settings: Settings, *, dry_run: bool, as_of: datetime | None, by: str, timeout_s: float = 120.0
) -> dict[str, Any]:
    """Every service anonymises what is past its account's retention (or counts it)."""
    redis = async_client(settings)
    names = stream_names(settings)
    asker = Asker(redis, names, settings.stream_maxlen, timeout_s)
    moment = as_of or utcnow()
    request = PrivacyRequested(
        occurred_at=utcnow(),
        correlation_id="privacy:purge",
        account_id=EVERY_ACCOUNT,
        request_id=uuid.uuid4().hex,
        kind="purge",
        requested_by=by,
        dry_run=dry_run,
        as_of=moment,
    )
    try:
        answers = await asker.ask(request, ANSWERING)
        accounts = AccountDirectory.load(settings.accounts_file, accept_unknown=True)
        answers["ingest"] = await ingest_privacy.purge(
            redis, names, accounts, moment, dry_run=dry_run
        )
    finally:
        await redis.aclose()
    return {"dry_run": dry_run, "as_of": moment.isoformat(), "services": answers}


def run_purge(dry_run: bool, as_of: datetime | None) -> int:
    try:
        result = asyncio.run(
            purge(Settings(), dry_run=dry_run, as_of=as_of, by=f"cli:{getpass.getuser()}")
        )
    except NoAnswer as exc:
        print(f"privacy purge: {exc}")  # noqa: T201
        return 1
    print(json.dumps(result, indent=2))  # noqa: T201
    return 0


def run(kind: PrivacyKind, platform: Platform, author_id: str, out: str | None) -> int:
    """The CLI: writes the export (JSON) to `out` or stdout; prints an erasure's counts."""
    settings = Settings()
    try:
        result = asyncio.run(
            carry_out(settings, kind, platform, author_id, by=f"cli:{getpass.getuser()}")
        )
    except NoAnswer as exc:
        print(f"privacy {kind}: {exc}")  # noqa: T201
        return 1
    text = json.dumps(result, ensure_ascii=False, indent=2, default=str)
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        print(f"privacy {kind}: {result['comments']} comments; written to {out}")  # noqa: T201
    else:
        print(text)  # noqa: T201
    return 0
