"""Which events notify whom, what the webhook body says, and how failed deliveries go on."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.reporting.domain.notifications import (
    Addressing,
    encoded,
    inbox_link,
    next_step,
    notice_from_alert,
    notice_from_decision,
    notice_from_timer,
    retry_at,
)
from shared.accounts import Account, Webhook
from shared.contracts import DecisionMade, EscalationAlert, RiskReason, SlaTimerEvent
from shared.notifications import signature, verify
from tests.reporting.integration.factories import Exchange, at

SECRET = "s3cret-s3cret-s3cret"


def _account(*hooks: Webhook) -> Account:
    return Account(platform="facebook", account_id="acc-1", name="Demo Page", webhooks=list(hooks))


def _hook(name: str, *events: str) -> Webhook:
    return Webhook.model_validate(
        {"name": name, "url": f"https://hooks.example/{name}", "secret": SECRET}
        | ({"events": list(events)} if events else {})
    )


def _threat(ex: Exchange) -> DecisionMade:
    return ex.decision().model_copy(
        update={"labels": ["threat", "abuse.insult"], "scores": {"threat": 0.91}, "rule_id": "R7"}
    )


def _timer(ex: Exchange, status: str, kind: str = "sla") -> SlaTimerEvent:
    return SlaTimerEvent(
        event_id=f"timer-{status}-{kind}",
        occurred_at=at(50),
        correlation_id=ex.thread_id,
        account_id="acc-1",
        timer_id="t1",
        kind=kind,
        status=status,
        thread_id=ex.thread_id,
        platform="facebook",
        decision_id="d1",
        comment_id=ex.comment_id,
        category="complaint.product",
        started_at=at(0),
        due_at=at(60),
    )


def test_a_threat_notifies_but_an_ordinary_complaint_or_a_follow_up_does_not() -> None:
    ex = Exchange.new()
    threat = _threat(ex)
    notice = notice_from_decision(threat)
    assert notice is not None and notice.kind == "threat"
    assert notice.notice_id == f"threat:{threat.decision_id}"
    assert notice.details["threat_score"] == 0.91
    assert notice_from_decision(ex.decision()) is None
    follow_up = threat.model_copy(update={"trigger": "escalation_alert"})
    assert notice_from_decision(follow_up) is None


@pytest.mark.parametrize(
    ("status", "kind", "expected"),
    [
        ("due_soon", "sla", "sla_due_soon"),
        ("breached", "sla", "sla_breached"),
        ("met", "sla", None),
        ("started", "sla", None),
        ("elapsed", "community", None),
    ],
)
def test_only_sla_clocks_due_soon_or_breached_notify(
    status: str, kind: str, expected: str | None
) -> None:
    notice = notice_from_timer(_timer(Exchange.new(), status, kind))
    assert (notice.kind if notice else None) == expected


def test_each_webhook_gets_the_kinds_it_subscribed_to() -> None:
    ex = Exchange.new()
    addressing = Addressing.of(
        [_account(_hook("slack"), _hook("pager", "threat"))], "https://support.example.com/"
    )
    threat = notice_from_decision(_threat(ex))
    breached = notice_from_timer(_timer(ex, "breached"))
    out = addressing([threat, breached, None])
    assert sorted((o.webhook, o.notice.kind) for o in out) == [
        ("pager", "threat"),
        ("slack", "sla_breached"),
        ("slack", "threat"),
    ]
    assert len({o.delivery_id for o in out}) == 3
    assert threat is not None
    assert addressing([replace(threat, account_id="not-configured")]) == []


def test_the_body_has_a_slack_text_and_a_link_but_no_comment_text_or_author() -> None:
    ex = Exchange.new()
    addressing = Addressing.of([_account(_hook("slack"))], "https://support.example.com")
    [out] = addressing([notice_from_decision(_threat(ex))])
    body = encoded(out.payload)
    parsed = json.loads(body)
    assert parsed["event"] == "threat" and parsed["thread_id"] == ex.thread_id
    assert parsed["link"] == f"https://support.example.com/inbox/threads/{ex.thread_id}"
    assert parsed["text"].startswith(":rotating_light: *Threat* on Demo Page (facebook)")
    assert "open the exchange" in parsed["text"]
    assert b"My order never arrived" not in body and b"Jane Doe" not in body


def test_an_escalation_alert_names_score_threshold_and_reasons() -> None:
    ex = Exchange.new()
    alert = EscalationAlert(
        event_id="alert-1",
        occurred_at=at(3),
        correlation_id=ex.thread_id,
        account_id="acc-1",
        thread_id=ex.thread_id,
        platform="facebook",
        score=72.4,
        threshold=50.0,
        band="high",
        reasons=[RiskReason(feature="velocity", points=30, detail="6 messages in 10 minutes")],
        messages_seen=6,
    )
    notice = notice_from_alert(alert)
    assert notice.notice_id == "escalation:alert-1"
    assert notice.summary == "escalation risk 72 crossed the alert threshold 50"
    assert notice.details["reasons"] == ["6 messages in 10 minutes"]


def test_no_public_url_means_no_link() -> None:
    assert inbox_link(None, "facebook:1") is None
    assert inbox_link("https://a.example/", "x:1 2") == "https://a.example/inbox/threads/x:1%202"


@pytest.mark.parametrize(
    ("status", "attempts", "expected"),
    [
        (200, 1, "delivered"),
        (204, 8, "delivered"),
        (500, 1, "retry"),
        (None, 3, "retry"),
        (429, 2, "retry"),
        (408, 2, "retry"),
        (503, 8, "dead"),
        (None, 8, "dead"),
        (404, 1, "dead"),
        (401, 1, "dead"),
        (410, 1, "dead"),
    ],
)
def test_failures_are_retried_until_the_limit_and_a_refusal_is_dead_at_once(
    status: int | None, attempts: int, expected: str
) -> None:
    assert next_step(status, attempts, max_attempts=8) == expected


def test_retries_back_off_and_stay_under_the_cap() -> None:
    now = datetime(2026, 12, 4, tzinfo=UTC)
    waits = [
        (retry_at(now, n, base_s=5, cap_s=60, jitter=0.999) - now).total_seconds()
        for n in (1, 2, 3, 4, 5, 6)
    ]
    assert waits == sorted(waits) and waits[0] <= 5 and max(waits) <= 60


def test_a_receiver_verifies_the_signature_and_refuses_a_tampered_or_old_delivery() -> None:
    body = b'{"event":"threat"}'
    header = signature(SECRET, "1764806400", body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify(SECRET, "1764806400", body, header, now_s=1764806400 + 60)
    assert not verify(SECRET, "1764806400", body + b" ", header, now_s=1764806400)
    assert not verify("another-secret-value", "1764806400", body, header, now_s=1764806400)
    assert not verify(SECRET, "1764806400", body, header, now_s=1764806400 + 3600)
    assert not verify(SECRET, "not-a-time", body, header, now_s=1764806400)


def test_webhooks_in_the_accounts_file_are_checked() -> None:
    with pytest.raises(ValidationError, match="unique per account"):
        _account(_hook("slack"), _hook("slack"))
    with pytest.raises(ValidationError, match="at least 16"):
        Webhook.model_validate({"name": "a", "url": "https://x.example", "secret": "short"})
    with pytest.raises(ValidationError, match="events"):
        Webhook.model_validate(
            {"name": "a", "url": "https://x.example", "secret": SECRET, "events": ["typo"]}
        )
    with pytest.raises(ValidationError, match="url"):
        Webhook.model_validate({"name": "a", "url": "not a url", "secret": SECRET})
