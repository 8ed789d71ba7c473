"""The inbox's pure parts: language choice, signed sessions and CSRF, stream notices, contracts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.reporting.inbox.i18n import TEXT, choose_language
from services.reporting.inbox.live import Broadcaster, thread_of
from services.reporting.inbox.session import SessionSigner
from shared.contracts import AgentCommand
from shared.streams.codec import DATA_FIELD

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("toggle", "header", "expected"),
    [
        (None, "de-DE,de;q=0.9,en;q=0.8", "de"),
        (None, "fr-FR, en;q=0.5, de;q=0.7", "de"),
        (None, "en-GB", "en"),
        (None, "fr", "en"),
        (None, None, "en"),
        ("de", "en", "de"),
        ("xx", "de", "de"),
    ],
)
def test_language_toggle_wins_then_accept_language_by_weight(
    toggle: str | None, header: str | None, expected: str
) -> None:
    assert choose_language(toggle, header) == expected


def test_both_languages_have_every_text() -> None:
    assert set(TEXT["de"]) == set(TEXT["en"])
    assert TEXT["de"]["queue"] != TEXT["en"]["queue"]


def test_a_session_survives_signing_and_a_forged_one_does_not() -> None:
    signer = SessionSigner("secret-a")
    session, cookie = signer.new("Alex")
    assert signer.load(cookie) == session
    assert SessionSigner("secret-b").load(cookie) is None
    assert signer.load(cookie[:-2] + "xx") is None
    assert signer.load(None) is None


def test_csrf_token_belongs_to_one_session() -> None:
    signer = SessionSigner("secret-a")
    mine, _ = signer.new("Alex")
    theirs, _ = signer.new("Sam")
    token = signer.csrf_token(mine)
    assert signer.csrf_ok(mine, token)
    assert not signer.csrf_ok(theirs, token)
    assert not signer.csrf_ok(mine, None)


def test_a_notice_names_the_exchange_of_the_entry() -> None:
    assert thread_of({DATA_FIELD: b'{"thread_id": "facebook:1", "correlation_id": "x"}'}) == (
        "facebook:1"
    )
    assert thread_of({DATA_FIELD: b'{"correlation_id": "x:2"}'}) == "x:2"
    assert thread_of({DATA_FIELD: b"not json"}) == ""
    assert thread_of({}) == ""


async def test_broadcaster_replays_what_a_reconnecting_client_missed() -> None:
    hub = Broadcaster()
    await hub.notify("comments", "t1")
    await hub.notify("actions", "t2")
    assert [(n.stream, n.thread_id) for n in hub.since(1)] == [("actions", "t2")]
    assert await hub.wait(hub.last, 0.01) == []
    assert "id: 2\nevent: change\n" in hub.since(1)[0].sse()


def _command(**fields: object) -> AgentCommand:
    base: dict[str, object] = {
        "occurred_at": NOW,
        "correlation_id": "facebook:1",
        "account_id": "1001",
        "thread_id": "facebook:1",
        "agent": "Alex",
    }
    return AgentCommand.model_validate({**base, **fields})


def test_draft_commands_need_the_action_and_only_approval_carries_text() -> None:
    assert _command(kind="approve_draft", action_id="a:reply", text="Hi").text == "Hi"
    assert _command(kind="resolve").action_id is None
    with pytest.raises(ValidationError, match="needs the action_id"):
        _command(kind="discard_draft")
    with pytest.raises(ValidationError, match="only approve_draft and replies carry text"):
        _command(kind="resolve", text="x")
    with pytest.raises(ValidationError):
        _command(kind="delete_everything")
