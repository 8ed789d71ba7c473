"""Reporting's part of a privacy request, and the one place that knows where an author's data is.

Reporting keeps every comment, so it answers `locate`: the author's comments, the exchanges they
opened (their root comment is the author's), and the comments whose evidence is under legal hold
— threat evidence preserved (R8) in an exchange whose police-report decision is still open. On
erasure it empties its own copies (`shared.privacy.PLANS["reporting"]`), deletes the entries of
the streams it publishes and of the dead letters, and records the erasure in the audit log:
who asked, when, how many rows, which comments were kept and why — with the erasure's token,
not the author's id.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters.people import audit
from shared.accounts import AccountDirectory
from shared.clock import utcnow
from shared.contracts.comments import ThreadId
from shared.contracts.privacy import PrivacyRequested
from shared.db.models import CommentRow, ReportingActionRow, ReportingPoliceDecisionRow
from shared.people import Principal
from shared.privacy import erasure_token
from shared.privacy_handler import PrivacyHandler
from shared.runtime import ServiceRuntime

HOLD_REASON = "threat evidence: the police-report decision on this exchange is still open"


def subject_digest(request: PrivacyRequested) -> str:
    """SHA-256 of `privacy:<platform>:<author id>`: matches an author, does not name one."""
    return hashlib.sha256(request.correlation_id.encode()).hexdigest()


async def locate(request: PrivacyRequested, session: AsyncSession) -> dict[str, Any]:
    platform, author_id = request.named()
    rows = await session.execute(
        select(CommentRow.comment_id, CommentRow.thread_id).where(
            CommentRow.platform == platform, CommentRow.author_id == author_id
        )
    )
    found = list(rows)
    comment_ids = [cid for cid, _thread in found]
    opened = [t for cid, t in found if t == str(ThreadId(platform, cid))]
    decided = select(ReportingPoliceDecisionRow.thread_id)
    held = await session.execute(
        select(ReportingActionRow.comment_id).where(
            ReportingActionRow.platform == platform,
            ReportingActionRow.comment_id.in_(comment_ids),
            ReportingActionRow.kind == "preserve_evidence",
            ReportingActionRow.thread_id.not_in(decided),
        )
    )
    return {
        "comment_ids": comment_ids,
        "thread_ids": opened,
        "held": {cid: HOLD_REASON for (cid,) in held},
    }


async def record_erasure(request: PrivacyRequested, session: AsyncSession) -> dict[str, Any]:
    operator = Principal(request.requested_by, "admin", "operator")
    await audit(
        session,
        operator,
        "privacy.erase",
        utcnow(),
        target=f"{request.platform}:{erasure_token(request.request_id)}",  # not the author id
        after={
            "request_id": request.request_id,
            # To check a restored older backup against the erasures since (docs/operations.md).
            "subject_sha256": subject_digest(request),
            "comments": len(request.comment_ids),
            "exchanges": len(request.thread_ids),
            "kept_under_legal_hold": request.held,
        },
    )
    return {"audit": 1}


async def record_export(request: PrivacyRequested, session: AsyncSession) -> dict[str, Any]:
    """An access request is audited too: who asked, when, for how many comments — the subject
    as its SHA-256 only, so a later erasure leaves no id behind here either."""
    operator = Principal(request.requested_by, "admin", "operator")
    await audit(
        session,
        operator,
        "privacy.export",
        utcnow(),
        target=request.platform,
        after={
            "request_id": request.request_id,
            "subject_sha256": subject_digest(request),
            "comments": len(request.comment_ids),
        },
    )
    return {}


def privacy_handler(
    runtime: ServiceRuntime,
    sessions: async_sessionmaker[AsyncSession],
    accounts: AccountDirectory,
) -> PrivacyHandler:
    names = runtime.names
    return PrivacyHandler.of(
        runtime,
        sessions,
        accounts,
        (names.alerts, names.commands, names.dead_letter),
        locate=locate,
        export_extra=record_export,
        erase_extra=record_erasure,
    )
