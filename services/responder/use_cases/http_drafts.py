"""The responder's HTTP surface: agents review, edit, approve or discard drafts of
approve-mode accounts. An approved draft is performed exactly once, through the driver."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field, SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.responder.adapters import outbox
from services.responder.driver import ActionDriver
from services.responder.events import ended, observe
from shared.accounts import AccountDirectory
from shared.clock import Clock
from shared.db.models import ActionRow
from shared.http_auth import bearer_auth
from shared.tone import edit_refusal

DRAFTS_PREFIX = "/v1/drafts"


class Draft(BaseModel):
    action_id: str
    decision_id: str
    kind: str
    platform: str
    account_id: str
    comment_id: str
    thread_id: str
    author_id: str
    text: str | None
    detail: str
    created_at: datetime

    @classmethod
    def of(cls, row: ActionRow) -> Draft:
        return cls.model_validate(row, from_attributes=True)


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, min_length=1, max_length=5_000)
    """The agent's edited words; the draft's own text when omitted."""


class ActionOutcome(BaseModel):
    action_id: str
    status: str
    detail: str
    platform_ref: str | None = None
    performed_as: str | None = None

    @classmethod
    def of(cls, row: ActionRow) -> ActionOutcome:
        return cls.model_validate(row, from_attributes=True)


def _conflict(row: ActionRow) -> HTTPException:
    """A second approve or discard names what already happened to the action."""
    detail: dict[str, Any] = {
        "message": f"action {row.action_id} is {row.status}, not awaiting approval",
        "outcome": ActionOutcome.of(row).model_dump(),
    }
    return HTTPException(status.HTTP_409_CONFLICT, detail)


def drafts_router(
    *,
    sessions: async_sessionmaker[AsyncSession],
    driver: ActionDriver,
    accounts: AccountDirectory,
    keys: Sequence[SecretStr],
    clock: Clock,
) -> APIRouter:
    router = APIRouter(
        prefix=DRAFTS_PREFIX,
        tags=["drafts"],
        dependencies=[Depends(bearer_auth(keys, "RESPONDER_API_KEYS"))],
    )

    async def locked(session: AsyncSession, action_id: str) -> ActionRow:
        row = await outbox.lock_one(session, action_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no action {action_id!r}")
        if row.status != "awaiting_approval":
            raise _conflict(row)
        return row

    @router.get("")
    async def list_drafts(
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        account_id: str | None = None,
    ) -> list[Draft]:
        async with sessions() as session:
            return [Draft.of(r) for r in await outbox.drafts(session, limit, account_id)]

    @router.post("/{action_id}/approve")
    async def approve(action_id: str, body: Approval | None = None) -> ActionOutcome:
        """Tone-checks an edit, marks the row approved, and performs it once, now."""
        edited = body.text if body is not None else None
        async with sessions() as session:
            row = await locked(session, action_id)
            if edited is not None:
                _check_edit(row, edited, accounts)
                row.text = " ".join(edited.split())
            row.approved_at, row.status, row.retry_at = clock(), "pending", None
            await session.commit()
        settled = await driver.settle([action_id])
        await driver.announce([action_id], ended(settled))
        observe(settled)
        async with sessions() as session:
            current = await session.get(ActionRow, action_id)
            assert current is not None  # noqa: S101 - the row was just locked and updated
            return ActionOutcome.of(current)

    @router.post("/{action_id}/discard")
    async def discard(action_id: str) -> ActionOutcome:
        async with sessions() as session:
            row = await locked(session, action_id)
            outcome = outbox.Outcome(
                action_id, "skipped", "discarded by an agent", row.attempts, completed_at=clock()
            )
            await outbox.record(session, [outcome])
            await session.commit()
        settled = [(row, outcome)]
        await driver.announce([action_id], {action_id})
        observe(settled)
        return ActionOutcome(action_id=action_id, status="skipped", detail=outcome.detail)

    return router


def _check_edit(row: ActionRow, text: str, accounts: AccountDirectory) -> None:
    """422 with the tone guard's reasons when the edited words may not be posted."""
    account = accounts.get(row.platform, row.account_id)  # type: ignore[arg-type]
    refusal = edit_refusal(row.kind, text, humour_allowed=account.humour)
    if refusal is not None:
        raise HTTPException(422, {"message": refusal.message, "reasons": list(refusal.reasons)})
