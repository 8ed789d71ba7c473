"""Backoff, rate gates, circuit breakers and platform verdicts: pure, with explicit time."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from services.responder.domain.resilience import CircuitBreaker, RateGate
from services.responder.domain.verdicts import google_verdict, meta_verdict, x_verdict
from shared.backoff import backoff_s

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_backoff_doubles_with_equal_jitter_and_is_capped() -> None:
    assert backoff_s(1, base_s=10, cap_s=100, jitter=0.0) == 5
    assert backoff_s(1, base_s=10, cap_s=100, jitter=0.999) < 10
    assert backoff_s(3, base_s=10, cap_s=100, jitter=0.0) == 20
    assert backoff_s(9, base_s=10, cap_s=100, jitter=1.0) == 100


def test_rate_gate_holds_an_account_until_its_reset() -> None:
    gate = RateGate()
    gate.block(("x", "1"), NOW + timedelta(seconds=30))
    assert gate.wait_s(("x", "1"), NOW) == 30
    assert gate.wait_s(("x", "2"), NOW) is None
    assert gate.wait_s(("x", "1"), NOW + timedelta(seconds=30)) is None


def test_breaker_opens_after_threshold_then_allows_one_trial() -> None:
    breaker = CircuitBreaker(threshold=2, reset_s=60)
    breaker.failure(NOW)
    assert breaker.wait_s(NOW) is None
    breaker.failure(NOW)
    assert breaker.state == "open" and breaker.wait_s(NOW + timedelta(seconds=10)) == 50
    later = NOW + timedelta(seconds=60)
    assert breaker.wait_s(later) is None and breaker.state == "half-open"
    assert breaker.wait_s(later) == 60, "only one trial at a time"
    breaker.failure(later)
    assert breaker.state == "open"
    assert breaker.wait_s(later + timedelta(seconds=60)) is None
    breaker.success()
    assert breaker.state == "closed"


def _graph(code: int, sub: int | None = None) -> dict[str, object]:
    return {
        "error": {
            "message": "m",
            "type": "OAuthException",
            "code": code,
            "error_subcode": sub,
            "fbtrace_id": "t",
        }
    }


def test_meta_verdicts() -> None:
    usage = {
        "x-business-use-case-usage": json.dumps(
            {"1001": [{"type": "pages", "estimated_time_to_regain_access": 3}]}
        )
    }
    throttled = meta_verdict(400, _graph(32), usage)
    assert (throttled.kind, throttled.retry_after_s) == ("rate_limited", 180)
    assert meta_verdict(400, _graph(100, 33), {}).kind == "gone"
    assert meta_verdict(500, _graph(2), {}).kind == "transient"
    refused = meta_verdict(403, _graph(200), {})
    assert refused.kind == "permanent" and "Graph error 200" in refused.reason
    assert meta_verdict(200, {"success": True}, {}).kind == "ok"


def test_x_verdicts_use_the_reset_epoch() -> None:
    reset = {"x-rate-limit-reset": str(int(NOW.timestamp()) + 90)}
    limited = x_verdict(429, {"title": "Too Many Requests"}, reset, NOW)
    assert (limited.kind, limited.retry_after_s) == ("rate_limited", 90)
    gone = {"type": "https://api.x.com/2/problems/resource-not-found"}
    assert x_verdict(400, gone, {}, NOW).kind == "gone"
    assert x_verdict(503, {}, {}, NOW).kind == "transient"
    assert x_verdict(403, {"title": "Forbidden"}, {}, NOW).kind == "permanent"


def test_google_quota_is_a_403_that_waits() -> None:
    body = {
        "error": {
            "code": 403,
            "message": "quota",
            "errors": [{"domain": "youtube.quota", "reason": "quotaExceeded"}],
        }
    }
    assert google_verdict(403, body, {}, 3600).retry_after_s == 3600
    missing = {"error": {"errors": [{"reason": "commentNotFound"}]}}
    assert google_verdict(404, missing, {}, 1).kind == "gone"
    assert google_verdict(204, None, {}, 1).kind == "ok"
