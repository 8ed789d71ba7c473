"""Manual actions as outbox requests: ids from the command, evidence first where it may go."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.responder.domain.manual import manual_requests
from shared.contracts import AgentCommand
from shared.contracts.commands import CommentTarget

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
TARGET = CommentTarget(
    platform="facebook",
    account_id="1001",
    comment_id="c1",
    post_id="p1",
    author_id="a1",
    author_name="Jana",
    text="Ich weiß, wo euer Laden ist.",
    created_at=NOW,
)


def _command(kind: str, **fields: object) -> AgentCommand:
    return AgentCommand.model_validate(
        {
            "occurred_at": NOW,
            "correlation_id": "facebook:c1",
            "account_id": "1001",
            "thread_id": "facebook:c1",
            "agent": "Sam",
            "kind": kind,
            "target": TARGET,
            **fields,
        }
    )


def test_a_delete_preserves_a_sealed_record_first_under_the_same_decision() -> None:
    command = _command("delete")
    evidence, delete = manual_requests(command)
    assert (evidence.kind, delete.kind) == ("preserve_evidence", "delete")
    assert evidence.decision_id == delete.decision_id == f"agent:{command.event_id}"
    assert delete.action_id == command.manual_action_id
    assert evidence.evidence is not None and evidence.evidence["text"] == TARGET.text
    assert len(evidence.evidence["sha256"]) == 64 and "sha256=" in evidence.detail


def test_the_same_command_always_gives_the_same_rows() -> None:
    command = _command("reply", text="Sorry  about\\nthat.")
    assert manual_requests(command) == manual_requests(command)
    [reply] = manual_requests(command)
    assert reply.text == "Sorry about\\nthat."


@pytest.mark.parametrize("kind", ["hide", "unhide", "block_author", "unblock_author"])
def test_other_actions_are_one_row(kind: str) -> None:
    [only] = manual_requests(_command(kind))
    assert (only.kind, only.comment_id, only.author_id) == (kind, "c1", "a1")


def test_a_command_names_its_target_only_for_manual_actions() -> None:
    with pytest.raises(ValueError, match="name their target"):
        _command("resolve")
    with pytest.raises(ValueError, match="needs the text"):
        _command("reply")
    with pytest.raises(ValueError, match="tone override"):
        _command("hide", tone_override="x")
