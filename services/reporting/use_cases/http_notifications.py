"""Notification deliveries over HTTP: the log (dead letters included) and sending one again.

No `from __future__ import annotations`: FastAPI evaluates the dependency's annotations.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel

from services.reporting.use_cases.notifications import NotificationLog
from shared.notifications import DeliveryStatus
from shared.people import Principal


class DeliveryView(BaseModel):
    delivery_id: str
    kind: str
    platform: str
    account_id: str
    thread_id: str
    webhook: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: AwareDatetime
    last_attempt_at: AwareDatetime | None
    delivered_at: AwareDatetime | None


def notifications_router(
    log: NotificationLog, principal: Callable[..., Awaitable[Principal]]
) -> APIRouter:
    """Mounted under `/v1`; supervisors and admins only (`manage_notifications`)."""
    router = APIRouter(tags=["notifications"], responses={403: {}, 404: {}, 422: {}})
    Who = Annotated[Principal, Depends(principal)]

    @router.get("/notifications", response_model=list[DeliveryView])
    async def get_deliveries(
        who: Who,
        status_: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
        limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
    ) -> list[DeliveryView]:
        """Newest first; `status=dead` lists the dead letters and why each died."""
        return [DeliveryView.model_validate(d) for d in await log.deliveries(who, status_, limit)]

    @router.post("/notifications/{delivery_id}/send-again", status_code=status.HTTP_202_ACCEPTED)
    async def send_again(delivery_id: Annotated[str, Path(max_length=400)], who: Who) -> Response:
        """A dead-lettered delivery goes out again with fresh attempts (audited)."""
        await log.send_again(who, delivery_id)
        return Response(status_code=status.HTTP_202_ACCEPTED)

    return router
