"""Which events a team is notified of, what the webhook says, and when a failed one is retried.

Pure: handlers turn the events they already read (decisions, SLA timers, escalation alerts) into
notices inside their own transaction, the sender turns an HTTP outcome into the next step.

A notification leaves the system for a team's own tools (Slack, a pager), so it carries no
comment text and no author name: only what happened, where, and a link to the exchange in the
inbox, where the agent reads the rest behind a sign-in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

from shared.accounts import Account
from shared.backoff import backoff_s
from shared.contracts import DecisionMade, EscalationAlert, SlaTimerEvent
from shared.notifications import NotificationKind


@dataclass(frozen=True)
class Notice:
    """One thing worth telling a team, once: `notice_id` is derived from the event's own id, so
    a redelivered event makes the same notice (and no second webhook call)."""

    notice_id: str
    kind: NotificationKind
    platform: str
    account_id: str
    thread_id: str
    occurred_at: datetime
    summary: str
    details: Mapping[str, Any]


def notice_from_decision(d: DecisionMade) -> Notice | None:
    """A new customer message classified a threat (R7)."""
    if d.trigger != "comment" or "threat" not in d.labels:
        return None
    c = d.comment
    return Notice(
        notice_id=f"threat:{d.decision_id}",
        kind="threat",
        platform=c.platform,
        account_id=c.account_id,
        thread_id=c.thread_id,
        occurred_at=d.occurred_at,
        summary="a customer's message reads as a threat; a supervisor decides on a police report",
        details={
            "comment_id": c.comment_id,
            "rule_id": d.rule_id,
            "labels": list(d.labels),
            "threat_score": round(d.scores.get("threat", 0.0), 3),
        },
    )


_TIMER_KINDS: dict[str, NotificationKind] = {"due_soon": "sla_due_soon", "breached": "sla_breached"}


def notice_from_timer(e: SlaTimerEvent) -> Notice | None:
    """A first-response clock about to run out, or run out (community windows are not SLAs)."""
    kind = _TIMER_KINDS.get(e.status)
    if e.kind != "sla" or kind is None:
        return None
    verb = "is due soon" if kind == "sla_due_soon" else "was breached"
    return Notice(
        notice_id=f"{kind}:{e.event_id}",
        kind=kind,
        platform=e.platform,
        account_id=e.account_id,
        thread_id=e.thread_id,
        occurred_at=e.occurred_at,
        summary=f"the first response {verb} (due {e.due_at.isoformat()})",
        details={
            "comment_id": e.comment_id,
            "category": e.category,
            "due_at": e.due_at.isoformat(),
        },
    )


def notice_from_alert(a: EscalationAlert) -> Notice:
    """An exchange whose escalation risk crossed the threshold."""
    return Notice(
        notice_id=f"escalation:{a.event_id}",
        kind="escalation",
        platform=a.platform,
        account_id=a.account_id,
        thread_id=a.thread_id,
        occurred_at=a.occurred_at,
        summary=f"escalation risk {a.score:.0f} crossed the alert threshold {a.threshold:.0f}",
        details={
            "score": a.score,
            "threshold": a.threshold,
            "reasons": [r.detail for r in a.reasons],
        },
    )


@dataclass(frozen=True)
class Outgoing:
    """A notice addressed to one of the account's webhooks: one row of the delivery outbox."""

    delivery_id: str
    notice: Notice
    webhook: str
    payload: Mapping[str, Any]


_EMOJI: dict[NotificationKind, str] = {
    "threat": ":rotating_light:",
    "escalation": ":fire:",
    "sla_due_soon": ":hourglass_flowing_sand:",
    "sla_breached": ":alarm_clock:",
}
_TITLE: dict[NotificationKind, str] = {
    "threat": "Threat",
    "escalation": "Escalation risk",
    "sla_due_soon": "SLA due soon",
    "sla_breached": "SLA breached",
}


def inbox_link(base_url: str | None, thread_id: str) -> str | None:
    """Where an agent opens the exchange; None when no public inbox address is configured."""
    if not base_url:
        return None
    return f"{base_url.rstrip('/')}/inbox/threads/{quote(thread_id, safe=':')}"


def payload(notice: Notice, account: Account, link: str | None) -> dict[str, Any]:
    """The JSON body. `text` is Slack's (and Mattermost's, Teams' incoming webhooks') field, so
    a Slack incoming-webhook URL works as a receiver as it is."""
    where = account.name or f"{notice.platform} {notice.account_id}"
    text = f"{_EMOJI[notice.kind]} *{_TITLE[notice.kind]}* on {where} ({notice.platform}): "
    text += notice.summary + (f" <{link}|open the exchange>" if link else "")
    return {
        "id": notice.notice_id,
        "event": notice.kind,
        "occurred_at": notice.occurred_at.isoformat(),
        "account": {
            "platform": notice.platform,
            "account_id": notice.account_id,
            "name": account.name,
        },
        "thread_id": notice.thread_id,
        "summary": notice.summary,
        "details": dict(notice.details),
        "link": link,
        "text": text,
    }


@dataclass(frozen=True)
class Addressing:
    """Addresses notices to the webhooks of their accounts (the accounts file's `webhooks`)."""

    accounts: Mapping[tuple[str, str], Account]
    """(platform, account id) -> account, only accounts with webhooks."""
    base_url: str | None = None

    @classmethod
    def of(cls, accounts: Iterable[Account], base_url: str | None) -> Addressing:
        return cls({(a.platform, a.account_id): a for a in accounts if a.webhooks}, base_url)

    def __call__(self, notices: Iterable[Notice | None]) -> list[Outgoing]:
        """Each notice for each of its account's webhooks subscribed to its kind."""
        out: list[Outgoing] = []
        for n in notices:
            account = self.accounts.get((n.platform, n.account_id)) if n else None
            if n is None or account is None:
                continue
            for hook in account.webhooks:
                if n.kind in hook.events:
                    body = payload(n, account, inbox_link(self.base_url, n.thread_id))
                    out.append(Outgoing(f"{n.notice_id}>{hook.name}", n, hook.name, body))
        return out


def encoded(body: Mapping[str, Any]) -> bytes:
    """The exact bytes signed and sent (compact, UTF-8, keys as written)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


Step = Literal["delivered", "retry", "dead"]

_RETRYABLE_STATUSES = frozenset({408, 409, 425, 429})


def next_step(status: int | None, attempts: int, max_attempts: int) -> Step:
    """After an attempt: a 2xx is delivered; a 4xx the receiver means (bad URL, wrong secret)
    is dead at once, since sending it again cannot help; a timeout, a connection error (None),
    a 5xx or a "slow down" (408/409/425/429) is retried until `max_attempts`, then dead."""
    if status is not None and 200 <= status < 300:
        return "delivered"
    permanent = status is not None and 400 <= status < 500 and status not in _RETRYABLE_STATUSES
    if permanent or attempts >= max_attempts:
        return "dead"
    return "retry"


def retry_at(
    now: datetime, attempts: int, *, base_s: float, cap_s: float, jitter: float
) -> datetime:
    """When the next attempt may go: exponential backoff with jitter, as the responder's."""
    return now + timedelta(seconds=backoff_s(attempts, base_s=base_s, cap_s=cap_s, jitter=jitter))
