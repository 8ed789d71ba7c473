"""The console adapter: records exactly what would be posted, hidden or blocked, as NDJSON."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from services.responder.domain.model import ActionRequest, ActionResult
from shared.clock import Clock, utcnow


class ConsoleAdapter:
    """Demo and dry-run stand-in for platform APIs; one file append per batch."""

    def __init__(self, path: Path, clock: Clock = utcnow) -> None:
        self._path = path
        self._clock = clock

    def _line(self, request: ActionRequest, recorded_at: datetime) -> str:
        return json.dumps(
            {
                "action_id": request.action_id,
                "kind": request.kind,
                "platform": request.platform,
                "account_id": request.account_id,
                "comment_id": request.comment_id,
                "thread_id": request.thread_id,
                "author_id": request.author_id,
                "text": request.text,
                "recorded_at": recorded_at.isoformat(),
            },
            ensure_ascii=False,
        )

    def _append(self, body: str) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        with self._path.open("a", encoding="utf-8") as handle:
            handle.write(body)
            handle.flush()

    async def perform(self, requests: Sequence[ActionRequest]) -> list[ActionResult]:
        if not requests:
            return []
        recorded_at = self._clock()
        body = "".join(self._line(r, recorded_at) + "\n" for r in requests)
        await asyncio.to_thread(self._append, body)
        return [
            ActionResult(
                action_id=r.action_id,
                status="done",
                detail=f"recorded by console adapter in {self._path}"
                + (f"; {r.detail}" if r.detail else ""),
                platform_ref=f"console:{r.action_id}",
            )
            for r in requests
        ]

    def _recorded(self, action_id: str) -> bool:
        if not self._path.exists():
            return False
        with self._path.open(encoding="utf-8") as handle:
            return any(json.loads(line).get("action_id") == action_id for line in handle if line)

    async def find_existing(self, request: ActionRequest) -> ActionResult | None:
        """The record file is the console's platform: a recorded action is not recorded twice."""
        if not await asyncio.to_thread(self._recorded, request.action_id):
            return None
        return ActionResult(
            request.action_id,
            "done",
            f"already recorded by console adapter in {self._path}; not recorded again",
            f"console:{request.action_id}",
        )
