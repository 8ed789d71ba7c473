"""What happens to a pending action now: perform it, wait, or settle it without a platform call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from shared.accounts import ResponderMode
from shared.contracts import ActionKind

Route = Literal["perform", "pending", "done", "skipped", "failed", "awaiting_approval"]


@dataclass(frozen=True)
class Disposition:
    route: Route
    detail: str = ""


def dispose(
    *,
    kind: ActionKind,
    mode: ResponderMode,
    not_before: datetime | None,
    now: datetime,
    refusals: tuple[str, ...] = (),
    skip: str | None = None,
    approved: bool = False,
) -> Disposition:
    """Refusals fail, dry-run skips, the community gets its window, approval waits, then timing."""
    if refusals:
        return Disposition("failed", "; ".join(refusals))
    if skip is not None:
        return Disposition("skipped", skip)
    if mode == "dry-run":
        return Disposition("skipped", "dry-run account: recorded what would be done, not performed")
    if kind == "await_community":
        until = (not_before or now).isoformat()
        return Disposition(
            "done", f"community given time to answer until {until} (R10); nothing posted"
        )
    if mode == "approve" and not approved:
        return Disposition("awaiting_approval", "approve-mode account: waits for a human")
    if not_before is not None and not_before > now:
        return Disposition("pending", f"not before {not_before.isoformat()}")
    return Disposition("perform")
