"""`GET /v1/privacy/authors/{platform}/{author_id}`: an author's access request (GDPR Art. 15)
from the admin API, answered by every service as `steam-connect privacy export` is (without
ingest's short-lived Redis keys, which only the command adds). Admins only; audited."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, status

from services.reporting.domain.workspace import require
from shared.contracts.comments import Platform
from shared.people import Principal
from shared.privacy_requests import Asker, NoAnswer, locate_then, summary
from shared.runtime import ServiceRuntime

ANSWER_WITHIN_S = 30.0


def privacy_router(
    runtime: ServiceRuntime, principal: Callable[..., Awaitable[Principal]]
) -> APIRouter:
    router = APIRouter(tags=["privacy"], responses={403: {}, 422: {}, 504: {}})
    Who = Annotated[Principal, Depends(principal)]

    @router.get("/privacy/authors/{platform}/{author_id}")
    async def export_author(
        platform: Platform, author_id: Annotated[str, Path(max_length=200)], who: Who
    ) -> dict[str, Any]:
        """Everything held about the author, per service and table, and what is under legal
        hold; 504 naming the service that did not answer in time."""
        require(who, "handle_privacy")
        settings = runtime.settings
        asker = Asker(runtime.redis, runtime.names, settings.stream_maxlen, ANSWER_WITHIN_S)
        try:
            request, answers = await locate_then(
                asker, "export", platform, author_id, f"{who.kind}:{who.name}"
            )
        except NoAnswer as exc:
            raise HTTPException(status.HTTP_504_GATEWAY_TIMEOUT, str(exc)) from exc
        return summary(request, answers)

    return router
