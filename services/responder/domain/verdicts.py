"""What a platform's answer means for an action: done, wait, retry, give up, or already gone.

Each platform reports errors its own way (FACTS.md): Meta keys on `error.code` with HTTP 4xx and
throttles with codes 4/17/32/613/80001 plus usage headers; X sends problem JSON and
`x-rate-limit-reset`; Google sends `error.errors[].reason` and spends quota as a 403.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

VerdictKind = Literal["ok", "rate_limited", "transient", "permanent", "gone"]
META_THROTTLE_CODES = frozenset({4, 17, 32, 613, 80001, 80002, 80004, 80005, 80006})
META_GONE = (100, 33)
DEFAULT_RATE_WAIT_S = 60.0


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    reason: str = ""
    retry_after_s: float | None = None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _generic(status: int, reason: str, headers: Mapping[str, str]) -> Verdict:
    if status == 429:
        return Verdict("rate_limited", reason, _retry_after(headers) or DEFAULT_RATE_WAIT_S)
    if status >= 500 or status == 408:
        return Verdict("transient", reason)
    if status == 404:
        return Verdict("gone", reason)
    return Verdict("permanent", reason)


def meta_usage_wait_s(headers: Mapping[str, str]) -> float | None:
    """`X-Business-Use-Case-Usage` says in minutes when a throttled page may call again."""
    raw = headers.get("x-business-use-case-usage")
    if not raw:
        return None
    try:
        usage: Any = json.loads(raw)
        minutes = [
            float(entry.get("estimated_time_to_regain_access", 0))
            for entries in usage.values()
            for entry in entries
        ]
    except (ValueError, AttributeError, TypeError):
        return None
    return max(minutes, default=0.0) * 60 or None


def meta_verdict(status: int, body: object, headers: Mapping[str, str]) -> Verdict:
    if status < 300 and not (isinstance(body, dict) and "error" in body):
        return Verdict("ok")
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return _generic(status, f"HTTP {status} without a Graph error body", headers)
    code, sub = error.get("code"), error.get("error_subcode")
    reason = (
        f"Graph error {code}/{sub} ({error.get('type', '?')}): {error.get('message', '')} "
        f"[fbtrace_id {error.get('fbtrace_id', '-')}]"
    )
    if code in META_THROTTLE_CODES or status == 429:
        wait = meta_usage_wait_s(headers) or _retry_after(headers) or DEFAULT_RATE_WAIT_S
        return Verdict("rate_limited", reason, wait)
    if (code, sub) == META_GONE or status == 404:
        return Verdict("gone", reason)
    if status >= 500 or code in (1, 2) or error.get("is_transient") is True:
        return Verdict("transient", reason)
    return Verdict("permanent", reason)


def x_reset_wait_s(headers: Mapping[str, str], now: datetime) -> float | None:
    """`x-rate-limit-reset` is an epoch second: the wait is until then."""
    raw = headers.get("x-rate-limit-reset")
    try:
        return max(0.0, float(raw) - now.timestamp()) if raw is not None else None
    except ValueError:
        return None


def x_verdict(status: int, body: object, headers: Mapping[str, str], now: datetime) -> Verdict:
    if status < 300:
        return Verdict("ok")
    problem = body if isinstance(body, dict) else {}
    kind = str(problem.get("type", ""))
    reason = f"X {status} {problem.get('title', '')}: {problem.get('detail', '')} ({kind or '-'})"
    if status == 429:
        return Verdict("rate_limited", reason, x_reset_wait_s(headers, now) or DEFAULT_RATE_WAIT_S)
    if kind.endswith("/resource-not-found"):
        return Verdict("gone", reason)
    return _generic(status, reason, headers)


GOOGLE_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
GOOGLE_GONE_REASONS = frozenset({"commentNotFound", "parentCommentNotFound", "notFound"})


def google_verdict(
    status: int, body: object, headers: Mapping[str, str], quota_wait_s: float
) -> Verdict:
    if status < 300:
        return Verdict("ok")
    error = body.get("error") if isinstance(body, dict) else None
    errors = error.get("errors") if isinstance(error, dict) else None
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    why = str(first.get("reason", ""))
    message = error.get("message", "") if isinstance(error, dict) else ""
    reason = f"YouTube {status} {first.get('domain', '-')}/{why or '-'}: {message}"
    if why == "quotaExceeded":
        return Verdict("rate_limited", reason, quota_wait_s)
    if why in GOOGLE_RATE_REASONS:
        return Verdict("rate_limited", reason, _retry_after(headers) or DEFAULT_RATE_WAIT_S)
    if why in GOOGLE_GONE_REASONS:
        return Verdict("gone", reason)
    return _generic(status, reason, headers)
