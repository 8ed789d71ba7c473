"""The agents' workspace over HTTP: replies, moderation, police decisions, assignment, notes,
corrections, feedback and the audit log. Thin: decode, call the use case, encode.

No `from __future__ import annotations`: FastAPI evaluates the dependency's annotations.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal

import orjson
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from services.reporting.adapters.people import People
from services.reporting.domain.workspace import NeedsConfirmation, WorkspaceError, require
from services.reporting.use_cases.assignments import Assignments
from services.reporting.use_cases.canned_replies import CannedReplies
from services.reporting.use_cases.corrections import Corrections
from services.reporting.use_cases.exchange_commands import ExchangeCommands
from services.reporting.use_cases.manual_actions import ManualActions
from services.reporting.use_cases.police_reports import PoliceReports
from shared.contracts.comments import Platform
from shared.people import Principal


@dataclass(frozen=True)
class Workspace:
    actions: ManualActions
    police: PoliceReports
    assignments: Assignments
    corrections: Corrections
    people: People
    canned: CannedReplies
    states: ExchangeCommands


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """PostgreSQL text cannot hold NUL: refuse it as bad input (422), not a 500."""
        items = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in items):
            raise ValueError("NUL characters are not accepted")
        return value


class ReplyBody(_Body):
    text: str = Field(min_length=1, max_length=5_000)
    private: bool = False
    """A private message to the author instead of a public reply (where the platform has one)."""
    comment_id: str | None = Field(default=None, max_length=300)
    """The comment answered; default: the exchange's latest customer comment."""
    confirm: bool = False
    """Send despite the tone guard's warnings or a colleague's reply seconds ago (recorded)."""


class ModerationBody(_Body):
    action: Literal[
        "hide", "unhide", "delete", "block_author", "unblock_author", "report_to_platform"
    ]
    comment_id: str | None = Field(default=None, max_length=300)


class PoliceBody(_Body):
    reported: bool
    case_ref: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=5_000)


class AssigneeBody(_Body):
    agent: str | None = Field(max_length=100)
    """The agent's account name; null puts the exchange back to unassigned."""


class NoteBody(_Body):
    text: str = Field(min_length=1, max_length=10_000)


class CorrectionBody(_Body):
    labels: list[str] = Field(min_length=1, max_length=20)
    """Triage labels that apply (`complaint.product`), or denied ones (`not:abuse`)."""
    note: str = Field(default="", max_length=2_000)


class QueuedView(_Body):
    action_id: str
    command_id: str
    warnings: list[str] = Field(default_factory=list)
    """Tone or collision warnings the request confirmed."""


class ConfirmView(_Body):
    detail: str
    warnings: list[str]


class AssigneeView(_Body):
    thread_id: str
    agent: str | None


class NoteView(_Body):
    id: int
    thread_id: str
    author: str
    text: str
    at: AwareDatetime


class PoliceView(_Body):
    thread_id: str
    reported: bool
    case_ref: str | None
    reason: str | None
    decided_by: str
    decided_at: AwareDatetime


class CorrectionView(_Body):
    id: int
    labels: list[str]
    note: str
    source: str
    corrected_by: str
    at: AwareDatetime


class CannedBody(_Body):
    account_id: str = Field(default="*", min_length=1, max_length=200)
    """The account it is for, or `*` for every account."""
    lang: Literal["de", "en"]
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=5_000)
    """Words with `{author_name}`, `{brand}`, `{reference}`; a literal brace is doubled."""


class OverrideView(BaseModel):
    label: str
    account_id: str
    corrections: int
    agreed: int
    added_by_agents: int
    removed_by_agents: int
    override_rate: float
    suggested_threshold: float | None
    matched_at_suggestion: int | None


class CannedView(_Body):
    id: int
    account_id: str
    lang: str
    title: str
    body: str
    updated_by: str
    updated_at: AwareDatetime


PrincipalDependency = Callable[..., Awaitable[Principal]]
ReplyId = Annotated[int, Path(ge=1, le=2**63 - 1)]
"""A canned reply's id: a PostgreSQL bigint."""


def workspace_router(ws: Workspace, principal: PrincipalDependency) -> APIRouter:
    """Mounted under `/v1` by `install_routes`; each route names the right it needs."""
    router = APIRouter(tags=["workspace"], responses={403: {}, 404: {}, 422: {}})
    Who = Annotated[Principal, Depends(principal)]

    @router.post(
        "/threads/{thread_id}/replies",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=QueuedView,
        responses={409: {"model": ConfirmView}},
    )
    async def post_reply(thread_id: str, body: ReplyBody, who: Who) -> QueuedView:
        """An agent's own reply; the tone guard's warnings answer 409 until confirmed."""
        queued = await ws.actions.reply(
            who,
            thread_id,
            body.text,
            private=body.private,
            comment_id=body.comment_id,
            confirm=body.confirm,
        )
        return QueuedView(
            action_id=queued.action_id, command_id=queued.command_id, warnings=list(queued.warnings)
        )

    @router.post(
        "/threads/{thread_id}/moderation",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=QueuedView,
    )
    async def post_moderation(thread_id: str, body: ModerationBody, who: Who) -> QueuedView:
        """Hide, unhide, report (agents); delete, block, unblock (supervisors)."""
        queued = await ws.actions.moderate(who, thread_id, body.action, body.comment_id)
        return QueuedView(action_id=queued.action_id, command_id=queued.command_id)

    @router.post(
        "/threads/{thread_id}/police-report",
        status_code=status.HTTP_201_CREATED,
        response_model=PoliceView,
    )
    async def post_police(thread_id: str, body: PoliceBody, who: Who) -> PoliceView:
        """Records the decision on a police report and closes the case (supervisors)."""
        d = await ws.police.decide(who, thread_id, body.reported, body.case_ref, body.reason)
        return PoliceView(**d.__dict__)

    @router.put("/threads/{thread_id}/assignee", response_model=AssigneeView)
    async def put_assignee(thread_id: str, body: AssigneeBody, who: Who) -> AssigneeView:
        agent = await ws.assignments.assign(who, thread_id, body.agent)
        return AssigneeView(thread_id=thread_id, agent=agent)

    @router.post(
        "/threads/{thread_id}/notes",
        status_code=status.HTTP_201_CREATED,
        response_model=NoteView,
    )
    async def post_note(thread_id: str, body: NoteBody, who: Who) -> NoteView:
        """An internal note: seen by the team, never sent to the platform."""
        note = await ws.assignments.note(who, thread_id, body.text)
        return NoteView(**note.__dict__)

    @router.get("/threads/{thread_id}/notes", response_model=list[NoteView])
    async def get_notes(thread_id: str, who: Who) -> list[NoteView]:
        require(who, "work")
        return [NoteView(**n.__dict__) for n in await ws.assignments.notes(thread_id)]

    @router.post(
        "/comments/{platform}/{comment_id}/corrections",
        status_code=status.HTTP_201_CREATED,
        response_model=CorrectionView,
    )
    async def post_correction(
        platform: Platform, comment_id: str, body: CorrectionBody, who: Who
    ) -> CorrectionView:
        c = await ws.corrections.correct(who, platform, comment_id, body.labels, body.note)
        return CorrectionView(**{**c.__dict__, "labels": list(c.labels)})

    @router.get(
        "/feedback",
        response_class=Response,
        responses={200: {"content": {"application/x-ndjson": {}}}},
    )
    async def get_feedback(
        who: Who, since: Annotated[AwareDatetime | None, Query()] = None
    ) -> Response:
        """Agents' corrections as labelled JSON lines (the datasets' format)."""
        require(who, "work")
        lines = await ws.corrections.feedback(since)
        body = b"".join(orjson.dumps(line) + b"\n" for line in lines)
        return Response(body, media_type="application/x-ndjson")

    @router.get("/feedback/overrides", response_model=list[OverrideView])
    async def get_overrides(
        who: Who, since: Annotated[AwareDatetime | None, Query()] = None
    ) -> list[OverrideView]:
        """Per label and account (`*`: all): how often agents overrode the machine, and the
        score threshold that would have matched them (null when the labels as decided do best)."""
        require(who, "work")
        rows = await ws.corrections.overrides(since)
        return [OverrideView.model_validate(r.as_dict()) for r in rows]

    @router.get(
        "/audit",
        response_class=Response,
        responses={200: {"content": {"application/json": {}, "application/x-ndjson": {}}}},
    )
    async def get_audit(
        who: Who,
        since: Annotated[AwareDatetime | None, Query()] = None,
        until: Annotated[AwareDatetime | None, Query()] = None,
        thread_id: Annotated[str | None, Query(max_length=300)] = None,
        format_: Annotated[Literal["json", "ndjson"], Query(alias="format")] = "json",
    ) -> Response:
        """Every action by a person or key: who, when, what, which exchange, before/after."""
        require(who, "read_audit")
        entries = await ws.people.audit_log(since=since, until=until, thread_id=thread_id)
        rows = [e.as_dict() for e in entries]
        if format_ == "ndjson":
            body = b"".join(orjson.dumps(r) + b"\n" for r in rows)
            headers = {"Content-Disposition": 'attachment; filename="audit.ndjson"'}
            return Response(body, media_type="application/x-ndjson", headers=headers)
        return Response(orjson.dumps(rows), media_type="application/json")

    @router.get("/canned-replies", response_model=list[CannedView])
    async def get_canned(
        who: Who,
        account_id: Annotated[str | None, Query(max_length=200)] = None,
        lang: Annotated[Literal["de", "en"] | None, Query()] = None,
    ) -> list[CannedView]:
        require(who, "work")
        return [CannedView(**c.__dict__) for c in await ws.canned.find(account_id, lang)]

    @router.post("/canned-replies", status_code=status.HTTP_201_CREATED, response_model=CannedView)
    async def post_canned(body: CannedBody, who: Who) -> CannedView:
        """Admins only."""
        c = await ws.canned.save(who, body.account_id, body.lang, body.title, body.body)
        return CannedView(**c.__dict__)

    @router.put("/canned-replies/{reply_id}", response_model=CannedView)
    async def put_canned(reply_id: ReplyId, body: CannedBody, who: Who) -> CannedView:
        c = await ws.canned.save(who, body.account_id, body.lang, body.title, body.body, reply_id)
        return CannedView(**c.__dict__)

    @router.delete("/canned-replies/{reply_id}", status_code=status.HTTP_204_NO_CONTENT)
    async def delete_canned(reply_id: ReplyId, who: Who) -> Response:
        await ws.canned.remove(who, reply_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


async def _workspace_error(_request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, WorkspaceError):
        raise exc
    body: dict[str, object] = {"detail": exc.message}
    if exc.field is not None:
        body["field"] = exc.field
    if isinstance(exc, NeedsConfirmation):
        body["warnings"] = list(exc.warnings)
    return JSONResponse(body, status_code=exc.status)


def install_workspace_errors(app: FastAPI) -> None:
    app.add_exception_handler(WorkspaceError, _workspace_error)
