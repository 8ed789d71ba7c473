"""`GET /policy`: the live policy version and its rules, so an operator can explain a decision."""

from __future__ import annotations

from fastapi import APIRouter

from services.triage.domain.policy import Policy


def policy_router(policy: Policy) -> APIRouter:
    """Read-only and unauthenticated like `/healthz`: the rules are not secret, the data is."""
    router = APIRouter(tags=["operations"])

    @router.get("/policy")
    async def live_policy() -> dict[str, object]:
        return {
            "version": policy.version,
            "rules": [{"id": r.id, "reason": r.reason} for r in policy.rules],
        }

    return router
