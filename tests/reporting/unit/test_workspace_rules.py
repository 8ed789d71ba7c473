"""The workspace's pure rules: roles and rights, key entries, labels, collisions, the police
decision, feedback flags and who asked for an action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from services.reporting.domain.feedback import settled_flags
from services.reporting.domain.requesters import AuditFacts, requested_by, requesters
from services.reporting.domain.workspace import (
    Invalid,
    RecentReply,
    Refused,
    clean_labels,
    collision_warning,
    police_decision_problem,
    require,
)
from shared.people import Principal, parse_api_key, refusal

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
AGENT = Principal("Alex", "agent", "agent")
SUPERVISOR = Principal("Sam", "supervisor", "agent")
ADMIN = Principal("Root", "admin", "agent")


@pytest.mark.parametrize("right", ["delete", "block_author", "unblock_author", "police_report"])
def test_policy_sensitive_rights_start_at_supervisor(right: str) -> None:
    reason = refusal(AGENT, right)  # type: ignore[arg-type]
    assert reason is not None and "Alex is signed in as agent" in reason and "supervisor" in reason
    assert refusal(SUPERVISOR, right) is None  # type: ignore[arg-type]
    assert refusal(ADMIN, right) is None  # type: ignore[arg-type]
    with pytest.raises(Refused):
        require(AGENT, right)  # type: ignore[arg-type]


def test_managing_agents_is_for_admins_and_work_for_everyone() -> None:
    assert refusal(SUPERVISOR, "manage_agents") is not None
    assert refusal(ADMIN, "manage_agents") is None
    assert all(refusal(p, "work") is None for p in (AGENT, SUPERVISOR, ADMIN))


def test_key_entries_name_a_role_and_a_bare_key_stays_an_admin() -> None:
    key = parse_api_key(SecretStr("supervisor:lead-bot:s3cr:et"), 0)
    assert (key.label, key.role, key.secret.get_secret_value()) == (
        "lead-bot",
        "supervisor",
        "s3cr:et",
    )
    bare = parse_api_key(SecretStr("old-style-key"), 2)
    assert (bare.label, bare.role, bare.secret.get_secret_value()) == (
        "api-key-3",
        "admin",
        "old-style-key",
    )
    odd = parse_api_key(SecretStr("boss:x:y"), 0)  # not a role: the whole entry is the secret
    assert (odd.role, odd.secret.get_secret_value()) == ("admin", "boss:x:y")


def test_labels_must_be_known_and_not_contradict() -> None:
    assert clean_labels(["threat", "not:abuse", "threat"]) == ("threat", "not:abuse")
    with pytest.raises(Invalid, match="unknown label"):
        clean_labels(["complaint.weather"])
    with pytest.raises(Invalid, match="both asserted and denied"):
        clean_labels(["threat", "not:threat"])
    with pytest.raises(Invalid, match="at least one"):
        clean_labels([])


def test_a_colleagues_reply_seconds_ago_warns_but_ones_own_or_an_old_one_does_not() -> None:
    recent = [RecentReply("Robin", NOW - timedelta(seconds=12))]
    assert collision_warning("Alex", recent, NOW) == "Robin replied on this exchange 12 s ago"
    assert collision_warning("Robin", recent, NOW) is None
    old = [RecentReply("Robin", NOW - timedelta(minutes=5))]
    assert collision_warning("Alex", old, NOW) is None


def test_a_police_decision_needs_its_case_reference_or_its_reason() -> None:
    assert police_decision_problem(True, "LKA-1", None) is None
    assert police_decision_problem(False, None, "no concrete threat") is None
    assert (police_decision_problem(True, " ", None) or "").startswith("case_ref")
    assert (police_decision_problem(False, None, None) or "").startswith("reason")


def test_feedback_flags_follow_what_the_correction_settles() -> None:
    assert settled_flags(["complaint.customer_service", "not:abuse"]) == {
        "complaint": True,
        "abuse": False,
        "spam": False,
    }
    assert settled_flags(["threat"]) == {"threat": True}
    assert settled_flags(["not:threat"]) == {"threat": False}


def test_requesters_name_the_person_behind_manual_actions_and_approvals() -> None:
    rows: list[AuditFacts] = [
        ("Alex", "delete", "c1", {"action_id": "agent:e1:delete"}),
        ("Sam", "approve_draft", "d1:reply", {"command_id": "x", "edited": True}),
        ("Robin", "undo_hide", "d2:hide", None),
    ]
    by = requesters(rows)
    assert requested_by(by, "agent:e1:delete", "agent:e1") == "Alex"
    assert requested_by(by, "agent:e1:preserve_evidence", "agent:e1") == "Alex"
    assert requested_by(by, "d1:reply", "d1") == "Sam"
    assert requested_by(by, "d2:hide:unhide", "d2") == "Robin"
    assert requested_by(by, "d3:reply", "d3") is None
