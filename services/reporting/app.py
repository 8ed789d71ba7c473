"""The read API: exchange timelines and comment stories, behind a key or an inbox session."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse

from services.reporting.adapters.queries import HistoryQueries
from services.reporting.domain.comment_view import build_comment_view
from services.reporting.domain.timeline import StoredEventInvalid, build_thread_view
from services.reporting.domain.views import CommentView, ErrorView, ThreadView
from shared.contracts.comments import Platform
from shared.people import Principal

log = logging.getLogger(__name__)


PrincipalDependency = Callable[..., Awaitable[Principal]]

API_PREFIX = "/v1"
"""Every machine- and agent-facing route lives under it: the rate limit counts these."""


def history_router(queries: HistoryQueries, principal: PrincipalDependency) -> APIRouter:
    """The `/v1` routes; every one needs a key or a session (health and metrics live outside)."""
    router = APIRouter(
        prefix=API_PREFIX,
        dependencies=[Depends(principal)],
        responses={401: {"model": ErrorView}, 404: {"model": ErrorView}},
    )

    @router.get("/threads/{thread_id}", response_model=ThreadView, tags=["history"])
    async def get_thread(thread_id: str) -> ThreadView:
        """Everything said, decided and done in one exchange, in time order."""
        records = await queries.thread(thread_id)
        view = build_thread_view(
            thread_id,
            records.comments,
            records.events,
            records.decisions,
            records.actions,
            records.timers,
        )
        if view is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown thread {thread_id!r}")
        return view

    @router.get("/comments/{platform}/{comment_id}", response_model=CommentView, tags=["history"])
    async def get_comment(platform: Platform, comment_id: str) -> CommentView:
        """One comment, how it was classified, the latest decision and every action taken."""
        r = await queries.comment(platform, comment_id)
        view = build_comment_view(
            platform, comment_id, r.comment, r.events, r.decisions, r.actions, r.corrections
        )
        if view is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"unknown comment {platform}:{comment_id}"
            )
        return view

    return router


async def _stored_event_invalid(request: Request, exc: Exception) -> JSONResponse:
    """Schema drift in triage's stored events is a server fault worth a clear message."""
    log.error("cannot render %s: %s", request.url.path, exc)
    return JSONResponse({"detail": str(exc)}, status_code=500)


def install_routes(
    app: FastAPI,
    queries: HistoryQueries,
    principal: PrincipalDependency,
    extra: Sequence[APIRouter] = (),
) -> None:
    """The history routes plus any further `/v1` routers, all behind the same check."""
    app.include_router(history_router(queries, principal))
    for router in extra:
        app.include_router(router, prefix=API_PREFIX, dependencies=[Depends(principal)])
    app.add_exception_handler(StoredEventInvalid, _stored_event_invalid)
