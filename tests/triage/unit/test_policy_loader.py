"""A broken policy file is refused with the line and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.triage.domain.policy_loader import PolicyError, load_policy, parse_policy
from tests.triage.factories import POLICY_FILE, policy

GOOD = POLICY_FILE.read_text(encoding="utf-8")


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_the_shipped_policy_loads_with_every_rule_of_policy_md() -> None:
    loaded = policy()
    assert loaded.version
    bases = {rule_id.split(".")[0] for rule_id in loaded.rule_ids}
    assert {f"R{n}" for n in range(1, 13)} <= bases
    assert loaded.rule_ids.index("R8") < loaded.rule_ids.index("R9.severe")
    assert loaded.rule_ids.index("R9.repeat") < loaded.rule_ids.index("R7")
    assert loaded.rule_ids.index("R7") < loaded.rule_ids.index("R1")
    assert {"R13", "R14"} <= set(loaded.notes)


def test_yaml_syntax_error_names_the_line() -> None:
    broken = GOOD.replace("  strikes_before_block: 2", "  strikes_before_block: [2", 1)
    with pytest.raises(PolicyError) as info:
        parse_policy(broken, source="policy.yaml")
    message = str(info.value)
    assert "policy.yaml" in message and "YAML" in message
    assert info.value.problems[0][0] >= _line_of(broken, "strikes_before_block: [2")


def test_schema_error_names_the_line_of_the_bad_value() -> None:
    broken = GOOD.replace("actions: [hide, block_author]", "actions: [hide, ban_forever]", 1)
    with pytest.raises(PolicyError) as info:
        parse_policy(broken)
    line, _col, reason = info.value.problems[0]
    assert line == _line_of(broken, "ban_forever")
    assert "rules.2.actions.1.kind" in reason and "hide" in reason


def test_unknown_label_in_a_condition_names_its_line() -> None:
    broken = GOOD.replace("when: {labels_any: [troll]}", "when: {labels_any: [trolls]}", 1)
    with pytest.raises(PolicyError) as info:
        parse_policy(broken)
    line, _col, reason = info.value.problems[0]
    assert line == _line_of(broken, "labels_any: [trolls]")
    assert "'trolls' matches no known label" in reason


def test_missing_rule_and_missing_field_are_reported() -> None:
    start = GOOD.index("  - id: R6\n")
    end = GOOD.index("  - id: R5\n")
    without_r6 = GOOD[:start] + GOOD[end:]
    with pytest.raises(PolicyError, match="rule R6 of POLICY.md is missing"):
        parse_policy(without_r6)
    no_version = GOOD.replace('version: "2026', 'revision: "2026', 1)
    with pytest.raises(PolicyError) as info:
        parse_policy(no_version)
    reasons = " ".join(p[2] for p in info.value.problems)
    assert "version: Field required" in reasons and "revision" in reasons


def test_a_reply_rule_without_the_tone_note_is_refused() -> None:
    broken = GOOD.replace(
        "      - {kind: reply, template: complaint.customer_service}\n"
        "    sla: {category: complaint.customer_service}\n"
        "    exchange: await_customer\n"
        "    notes: [R13]\n",
        "      - {kind: reply, template: complaint.customer_service}\n"
        "    sla: {category: complaint.customer_service}\n"
        "    exchange: await_customer\n",
        1,
    )
    assert broken != GOOD
    with pytest.raises(PolicyError, match="must note R13"):
        parse_policy(broken)


def test_a_catch_all_rule_must_come_last() -> None:
    broken = GOOD.replace(
        "    reason: neutral comment (question, chatter) — no action needed\n",
        "    reason: neutral comment (question, chatter) — no action needed\n"
        "    when: {labels_any: [neutral]}\n",
        1,
    )
    with pytest.raises(PolicyError, match="last rule must have no conditions"):
        parse_policy(broken)


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(PolicyError, match="empty"):
        load_policy(empty)
