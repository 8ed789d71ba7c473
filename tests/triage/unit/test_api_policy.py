"""`GET /policy` tells an operator which policy is live and what each rule is for."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.triage.use_cases.http_policy import policy_router
from tests.triage.factories import policy


def test_the_live_policy_version_and_every_rule_reason_are_served() -> None:
    live = policy()
    app = FastAPI()
    app.include_router(policy_router(live))
    body = TestClient(app).get("/policy").json()
    assert body["version"] == live.version
    assert [r["id"] for r in body["rules"]] == [r.id for r in live.rules]
    assert all(r["reason"] for r in body["rules"])
