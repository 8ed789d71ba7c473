"""What the exchange page shows: the timeline, state, drafts and hides, and the workspace —
assignee, notes, corrections, the police decision and who else has the exchange open."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, status

from services.reporting.adapters import workspace as store
from services.reporting.domain.timeline import build_thread_view
from services.reporting.inbox.web import Inbox, SignedIn
from shared.contracts.actions import TEXT_KINDS
from shared.labels import LABELS, NEGATION
from shared.people import refusal


async def thread_context(inbox: Inbox, thread_id: str, who: SignedIn) -> dict[str, Any]:
    """The timeline (reporting's own view) plus state, drafts, hides and the workspace."""
    records = await inbox.history.thread(thread_id)
    view = build_thread_view(
        thread_id,
        records.comments,
        records.events,
        records.decisions,
        records.actions,
        records.timers,
    )
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown exchange {thread_id!r}")
    state = await inbox.queries.exchange(thread_id)
    by_id = {a.action_id: a for a in state.actions}
    drafts = [a for a in state.actions if a.status == "awaiting_approval"]
    hides = [
        (a, by_id.get(f"{a.action_id}:unhide"))
        for a in state.actions
        if a.kind == "hide" and a.status == "done"
    ]
    ws = inbox.workspace
    async with inbox.sessions() as session:
        assignment = await store.assignees(session, [thread_id])
        agents = await store.active_agents(session)
    police = await ws.police.get(thread_id)
    corrections = {
        c.comment_id: await ws.corrections.of_comment(c.platform, c.comment_id)
        for c in records.comments
    }
    p = who.principal
    latest = records.comments[-1] if records.comments else None
    canned = (
        await ws.canned.for_exchange(
            latest.account_id, thread_id, latest.author_name, inbox.brand_of(latest)
        )
        if latest is not None
        else []
    )
    return {
        "canned": canned,
        "view": view,
        "state": state,
        "summary": state.summary,
        "drafts": drafts,
        "text_kinds": TEXT_KINDS,
        "hides": hides,
        "comments": records.comments,
        "assignee": assignment.get(thread_id),
        "agents": agents,
        "notes": await ws.assignments.notes(thread_id),
        "corrections": corrections,
        "labels": [*LABELS, *(NEGATION + x for x in ("abuse", "threat", "complaint"))],
        "police": police,
        "is_threat": any(a.kind == "flag_for_human" for a in state.actions)
        or any("threat" in d.labels for d in records.decisions),
        "others": await inbox.presence.others(thread_id, who.agent),
        "may": {
            right: refusal(p, right) is None
            for right in ("delete", "block_author", "unblock_author", "police_report")
        },
    }
