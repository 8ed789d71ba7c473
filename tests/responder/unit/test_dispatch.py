"""What happens to a pending action, by account mode, kind and timing."""

from __future__ import annotations

from datetime import timedelta

from services.responder.domain.dispatch import dispose
from tests.responder.unit.factories import NOW


def test_ready_action_of_an_auto_account_is_performed() -> None:
    assert dispose(kind="reply", mode="auto", not_before=None, now=NOW).route == "perform"
    past = NOW - timedelta(seconds=1)
    assert dispose(kind="hide", mode="auto", not_before=past, now=NOW).route == "perform"


def test_future_action_stays_pending() -> None:
    later = NOW + timedelta(hours=1)
    assert dispose(kind="reply", mode="auto", not_before=later, now=NOW).route == "pending"


def test_refusal_fails_even_on_dry_run_and_names_every_reason() -> None:
    d = dispose(kind="reply", mode="dry-run", not_before=None, now=NOW, refusals=("a", "b"))
    assert (d.route, d.detail) == ("failed", "a; b")


def test_dry_run_skips_and_approve_waits() -> None:
    assert dispose(kind="reply", mode="dry-run", not_before=None, now=NOW).route == "skipped"
    assert dispose(kind="hide", mode="approve", not_before=None, now=NOW).route == (
        "awaiting_approval"
    )


def test_await_community_is_done_without_a_call_and_says_until_when() -> None:
    until = NOW + timedelta(minutes=30)
    d = dispose(kind="await_community", mode="auto", not_before=until, now=NOW)
    assert d.route == "done"
    assert until.isoformat() in d.detail
