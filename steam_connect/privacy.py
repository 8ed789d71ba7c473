"""`steam-connect privacy export|erase --platform P --author-id A` and `privacy purge`: an
author's access (GDPR Art. 15) and erasure (Art. 17) requests and the retention purge, carried
out by every service on what it holds.

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
import sys
from datetime import datetime
from typing import Any

from services.ingest.use_cases import privacy as ingest_privacy
from shared.accounts import AccountDirectory
from shared.clock import utcnow
from shared.contracts.comments import Platform
from shared.contracts.privacy import PrivacyKind
from shared.privacy_requests import (
    ANSWERING,
    Asker,
    NoAnswer,
    locate_then,
    purge_request,
    summary,
)
from shared.redis_connection import async_client, stream_names
from shared.settings import Settings


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
        request, answers = await locate_then(asker, kind, platform, author_id, by)
        part = ingest_privacy.export if kind == "export" else ingest_privacy.erase
        answers["ingest"] = await part(redis, names, request)
    finally:
        await redis.aclose()
    return summary(request, answers)


async def purge(
    settings: Settings, *, dry_run: bool, as_of: datetime | None, by: str, timeout_s: float = 120.0
) -> dict[str, Any]:
    """Every service anonymises what is past its account's retention (or counts it)."""
    redis = async_client(settings)
    names = stream_names(settings)
    asker = Asker(redis, names, settings.stream_maxlen, timeout_s)
    moment = as_of or utcnow()
    request = purge_request(by, dry_run=dry_run, as_of=moment)
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
        print(f"privacy purge: {exc}", file=sys.stderr)  # noqa: T201
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
        print(f"privacy {kind}: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    text = json.dumps(result, ensure_ascii=False, indent=2, default=str)
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        print(f"privacy {kind}: {result['comments']} comments; written to {out}")  # noqa: T201
    else:
        print(text)  # noqa: T201
    return 0
