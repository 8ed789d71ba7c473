"""Reads and writes of the agents' workspace in reporting's own tables (never another's)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.reporting.domain.overrides import Case
from services.reporting.domain.workspace import RecentReply
from shared.contracts.actions import REPLY_KINDS
from shared.db.models import (
    CommentRow,
    ReportingActionRow,
    ReportingAgentRow,
    ReportingAssignmentRow,
    ReportingAuditRow,
    ReportingCorrectionRow,
    ReportingDecisionRow,
    ReportingNoteRow,
    ReportingPoliceDecisionRow,
)

_BY = re.compile(r"^(?:written|approved) by ([^;]+)")


async def thread_comments(session: AsyncSession, thread_id: str) -> list[CommentRow]:
    """The exchange's customer comments, oldest first."""
    stmt = (
        select(CommentRow)
        .where(CommentRow.thread_id == thread_id)
        .order_by(CommentRow.created_at, CommentRow.id)
    )
    return list((await session.scalars(stmt)).all())


async def comment(session: AsyncSession, platform: str, comment_id: str) -> CommentRow | None:
    stmt = select(CommentRow).where(
        CommentRow.platform == platform, CommentRow.comment_id == comment_id
    )
    return (await session.scalars(stmt)).first()


async def action(session: AsyncSession, action_id: str) -> ReportingActionRow | None:
    return await session.get(ReportingActionRow, action_id)


async def active_agents(session: AsyncSession) -> list[str]:
    stmt = (
        select(ReportingAgentRow.name)
        .where(ReportingAgentRow.active)
        .order_by(ReportingAgentRow.name)
    )
    return list((await session.scalars(stmt)).all())


async def recent_replies(
    session: AsyncSession, thread_id: str, since: datetime
) -> list[RecentReply]:
    """Replies asked for by people (audit) or posted by anyone (actions) since `since`."""
    asked = await session.execute(
        select(ReportingAuditRow.actor, ReportingAuditRow.at).where(
            ReportingAuditRow.thread_id == thread_id,
            ReportingAuditRow.action.in_(sorted(REPLY_KINDS)),
            ReportingAuditRow.at >= since,
        )
    )
    posted = await session.execute(
        select(ReportingActionRow.detail, ReportingActionRow.completed_at).where(
            ReportingActionRow.thread_id == thread_id,
            ReportingActionRow.kind.in_(sorted(REPLY_KINDS)),
            ReportingActionRow.status == "done",
            ReportingActionRow.completed_at >= since,
        )
    )
    found = [RecentReply(actor, at) for actor, at in asked.all()]
    for detail, at in posted.all():
        if at is None:
            continue
        by = _BY.match(detail or "")
        found.append(RecentReply(by.group(1).strip() if by else "Steam-Connect", at))
    return found


async def last_actor(session: AsyncSession, thread_id: str, action: str, target: str) -> str | None:
    """Who (a person or key) last asked for `action` on `target` in this exchange."""
    stmt = (
        select(ReportingAuditRow.actor)
        .where(
            ReportingAuditRow.thread_id == thread_id,
            ReportingAuditRow.action == action,
            ReportingAuditRow.target == target,
        )
        .order_by(ReportingAuditRow.id.desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def assignment(session: AsyncSession, thread_id: str) -> ReportingAssignmentRow | None:
    return await session.get(ReportingAssignmentRow, thread_id, with_for_update=True)


async def assign(
    session: AsyncSession, thread_id: str, agent: str | None, by: str, at: datetime
) -> None:
    if agent is None:
        await session.execute(
            delete(ReportingAssignmentRow).where(ReportingAssignmentRow.thread_id == thread_id)
        )
        return
    values = {"thread_id": thread_id, "agent": agent, "assigned_by": by, "assigned_at": at}
    stmt = insert(ReportingAssignmentRow).values(values)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["thread_id"],
            set_={"agent": agent, "assigned_by": by, "assigned_at": at},
        )
    )


async def assignees(session: AsyncSession, thread_ids: Sequence[str]) -> dict[str, str]:
    if not thread_ids:
        return {}
    stmt = select(ReportingAssignmentRow.thread_id, ReportingAssignmentRow.agent).where(
        ReportingAssignmentRow.thread_id.in_(thread_ids)
    )
    return {str(t): str(a) for t, a in (await session.execute(stmt)).all()}


async def add_note(
    session: AsyncSession, thread_id: str, author: str, text: str, at: datetime
) -> int:
    row = ReportingNoteRow(thread_id=thread_id, author=author, text=text, at=at)
    session.add(row)
    await session.flush()
    return row.id


async def notes(session: AsyncSession, thread_id: str) -> list[ReportingNoteRow]:
    stmt = (
        select(ReportingNoteRow)
        .where(ReportingNoteRow.thread_id == thread_id)
        .order_by(ReportingNoteRow.at, ReportingNoteRow.id)
    )
    return list((await session.scalars(stmt)).all())


async def police_decision(
    session: AsyncSession, thread_id: str
) -> ReportingPoliceDecisionRow | None:
    return await session.get(ReportingPoliceDecisionRow, thread_id)


async def record_police_decision(session: AsyncSession, values: dict[str, Any]) -> None:
    stmt = insert(ReportingPoliceDecisionRow).values(values)
    update = {k: v for k, v in values.items() if k != "thread_id"}
    await session.execute(stmt.on_conflict_do_update(index_elements=["thread_id"], set_=update))


async def add_correction(session: AsyncSession, values: dict[str, Any]) -> int:
    row = ReportingCorrectionRow(**values)
    session.add(row)
    await session.flush()
    return row.id


async def corrections_of(
    session: AsyncSession, platform: str, comment_id: str
) -> list[ReportingCorrectionRow]:
    stmt = (
        select(ReportingCorrectionRow)
        .where(
            ReportingCorrectionRow.platform == platform,
            ReportingCorrectionRow.comment_id == comment_id,
        )
        .order_by(ReportingCorrectionRow.id)
    )
    return list((await session.scalars(stmt)).all())


async def corrections_since(
    session: AsyncSession, since: datetime | None, limit: int
) -> list[tuple[ReportingCorrectionRow, CommentRow | None, str | None]]:
    """Corrections with the comment they correct and the language triage assumed."""
    stmt = select(ReportingCorrectionRow).order_by(ReportingCorrectionRow.id).limit(limit)
    if since is not None:
        stmt = stmt.where(ReportingCorrectionRow.at >= since)
    rows = list((await session.scalars(stmt)).all())
    keys = {(r.platform, r.comment_id) for r in rows}
    comments: dict[tuple[str, str], CommentRow] = {}
    langs: dict[tuple[str, str], str] = {}
    if keys:
        ids = sorted({k[1] for k in keys})
        for c in await session.scalars(select(CommentRow).where(CommentRow.comment_id.in_(ids))):
            comments[(c.platform, c.comment_id)] = c
        decided = await session.execute(
            select(
                ReportingDecisionRow.platform,
                ReportingDecisionRow.comment_id,
                ReportingDecisionRow.lang,
            ).where(ReportingDecisionRow.comment_id.in_(ids))
        )
        for platform, comment_id, lang in decided.all():
            langs[(platform, comment_id)] = lang
    return [
        (r, comments.get((r.platform, r.comment_id)), langs.get((r.platform, r.comment_id)))
        for r in rows
    ]


async def override_cases(session: AsyncSession, since: datetime | None, limit: int) -> list[Case]:
    """Each correction beside the newest decision on its comment made before it: the labels
    and scores the agent overrode (or confirmed). A correction of an undecided comment is left
    out: there was nothing to override."""
    stmt = select(ReportingCorrectionRow).order_by(ReportingCorrectionRow.id).limit(limit)
    if since is not None:
        stmt = stmt.where(ReportingCorrectionRow.at >= since)
    corrections = list((await session.scalars(stmt)).all())
    ids = sorted({c.comment_id for c in corrections})
    decided: dict[tuple[str, str], list[tuple[datetime, dict[str, Any]]]] = {}
    if ids:
        rows = await session.execute(
            select(
                ReportingDecisionRow.platform,
                ReportingDecisionRow.comment_id,
                ReportingDecisionRow.decided_at,
                ReportingDecisionRow.event,
            )
            .where(ReportingDecisionRow.comment_id.in_(ids))
            .order_by(ReportingDecisionRow.decided_at)
        )
        for platform, comment_id, at, event in rows:
            decided.setdefault((platform, comment_id), []).append((at, event))
    cases: list[Case] = []
    for c in corrections:
        before = [e for at, e in decided.get((c.platform, c.comment_id), []) if at <= c.at]
        if not before:
            continue
        event = before[-1]
        cases.append(
            Case(
                account_id=c.account_id,
                tokens=tuple(str(t) for t in c.labels),
                machine_labels=frozenset(str(x) for x in event.get("labels", ())),
                scores={str(k): float(v) for k, v in dict(event.get("scores", {})).items()},
            )
        )
    return cases
