"""An agent corrects a comment's labels: stored with who and when, shown on the comment, and
exported as labelled lines the classifier is evaluated on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.adapters import workspace as store
from services.reporting.adapters.people import audit
from services.reporting.domain.feedback import feedback_line
from services.reporting.domain.overrides import OverrideRow, override_report
from services.reporting.domain.workspace import NotFound, clean_labels, require
from shared.clock import Clock, utcnow
from shared.people import Principal


@dataclass(frozen=True)
class Correction:
    id: int
    labels: tuple[str, ...]
    note: str
    source: str
    corrected_by: str
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "labels": list(self.labels),
            "note": self.note,
            "source": self.source,
            "corrected_by": self.corrected_by,
            "at": self.at.isoformat(),
        }


class Corrections:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utcnow) -> None:
        self._sessions = sessions
        self._clock = clock

    async def correct(
        self, who: Principal, platform: str, comment_id: str, labels: Sequence[str], note: str = ""
    ) -> Correction:
        require(who, "work")
        tokens = clean_labels(labels)
        now = self._clock()
        async with self._sessions.begin() as session:
            row = await store.comment(session, platform, comment_id)
            if row is None:
                raise NotFound(f"unknown comment {platform}:{comment_id}")
            values = {
                "platform": platform,
                "comment_id": comment_id,
                "account_id": row.account_id,
                "thread_id": row.thread_id,
                "labels": list(tokens),
                "note": note.strip(),
                "source": "agent",
                "corrected_by": who.name,
                "at": now,
            }
            correction_id = await store.add_correction(session, values)
            await audit(
                session,
                who,
                "correction",
                now,
                thread_id=row.thread_id,
                target=comment_id,
                after={"labels": list(tokens)},
            )
        return Correction(correction_id, tokens, note.strip(), "agent", who.name, now)

    async def hide_undone(self, who: Principal, action_id: str) -> None:
        """The inbox's "undo hide" is the correction "not abuse" for the hidden comment."""
        async with self._sessions.begin() as session:
            row = await store.action(session, action_id)
            if row is None or row.kind != "hide":
                return
            await store.add_correction(
                session,
                {
                    "platform": row.platform,
                    "comment_id": row.comment_id,
                    "account_id": row.account_id,
                    "thread_id": row.thread_id,
                    "labels": ["not:abuse"],
                    "note": "hide undone",
                    "source": "unhide",
                    "corrected_by": who.name,
                    "at": self._clock(),
                },
            )

    async def of_comment(self, platform: str, comment_id: str) -> list[Correction]:
        async with self._sessions() as session:
            rows = await store.corrections_of(session, platform, comment_id)
        return [
            Correction(r.id, tuple(r.labels), r.note, r.source, r.corrected_by, r.at) for r in rows
        ]

    async def feedback(
        self, since: datetime | None = None, limit: int = 100_000
    ) -> list[dict[str, Any]]:
        """The corrections as dataset lines, oldest first."""
        async with self._sessions() as session:
            found = await store.corrections_since(session, since, limit)
        return [
            feedback_line(
                correction_id=r.id,
                platform=r.platform,
                comment_id=r.comment_id,
                account_id=r.account_id,
                tokens=r.labels,
                note=r.note,
                source=r.source,
                corrected_by=r.corrected_by,
                at=r.at,
                text=comment.text if comment is not None else None,
                lang=lang,
            )
            for r, comment, lang in found
        ]

    async def overrides(
        self, since: datetime | None = None, limit: int = 100_000
    ) -> list[OverrideRow]:
        """Per label and account: how often agents overrode the machine, and the threshold
        that would have matched them."""
        async with self._sessions() as session:
            cases = await store.override_cases(session, since, limit)
        return override_report(cases)
