"""Planning: texts rendered per action, threats and abuse never answered, evidence first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from services.responder.domain.model import PlanItem
from services.responder.domain.plan import plan_decision
from services.responder.domain.templates import TemplateBook
from shared.accounts import Account
from shared.contracts import PlannedAction
from tests.responder.unit.factories import NOW, decision

BOOK = TemplateBook.from_directory()
ACCOUNT = Account(platform="facebook", account_id="1001", language="de")


def _plan(*, account: Account = ACCOUNT, **kwargs: Any) -> list[PlanItem]:
    return plan_decision(decision(**kwargs), account, BOOK, "Acme")


def test_reply_is_rendered_in_the_comment_language_with_the_category_template() -> None:
    [item] = _plan(actions=[PlannedAction(action_id="a1", kind="reply")], lang="en")
    assert not item.refused
    assert item.request.text is not None
    assert item.request.text.startswith(("Hi Jane Doe,", "Hello Jane Doe,"))
    assert item.request.author_id == "author-7"
    assert item.request.comment_id == "c1"
    assert item.request.decision_id == "d1"


def test_unknown_comment_language_uses_the_account_language() -> None:
    [item] = _plan(actions=[PlannedAction(action_id="a1", kind="reply")], lang="fr")
    assert item.request.text is not None and item.request.text.startswith("Hallo Jane Doe,")


def test_moderation_actions_carry_no_text() -> None:
    items = _plan(
        actions=[
            PlannedAction(action_id="a1", kind="hide"),
            PlannedAction(action_id="a2", kind="block_author"),
        ],
        labels=["abuse.aggression"],
        rule_id="R7",
    )
    assert [(i.request.kind, i.request.text, i.refused) for i in items] == [
        ("hide", None, False),
        ("block_author", None, False),
    ]


@pytest.mark.parametrize("labels", [["threat"], ["abuse.racism"], ["complaint.product", "threat"]])
def test_replies_to_threats_and_abuse_are_refused(labels: list[str]) -> None:
    [item] = _plan(actions=[PlannedAction(action_id="a1", kind="reply")], labels=labels)
    assert item.refused
    assert item.request.text is None
    assert "never get a reply" in item.refusals[0]


def test_private_reply_to_the_substance_of_abuse_is_allowed_only_for_r7() -> None:
    action = PlannedAction(action_id="a1", kind="private_reply")
    [allowed] = _plan(actions=[action], labels=["abuse.aggression"], rule_id="R7.substance")
    [refused] = _plan(actions=[action], labels=["threat"], rule_id="R8")
    assert not allowed.refused and allowed.request.text is not None
    assert refused.refused


def test_evidence_is_preserved_before_delete_whatever_the_planned_order() -> None:
    items = _plan(
        actions=[
            PlannedAction(action_id="a-delete", kind="delete"),
            PlannedAction(action_id="a-flag", kind="flag_for_human"),
            PlannedAction(action_id="a-evidence", kind="preserve_evidence"),
        ],
        labels=["threat"],
        rule_id="R8",
    )
    assert [i.request.kind for i in items] == ["preserve_evidence", "delete", "flag_for_human"]
    assert items[0].request.detail.startswith("evidence sha256=")


def test_reply_failing_the_tone_guard_is_refused_with_reasons(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "en.yaml").write_text(
        "language: en\nsituations:\n  complaint.product:\n"
        "    - 'Hi {author}, as we already said, this is your fault.'\n",
        encoding="utf-8",
    )
    book = TemplateBook.from_directory(tmp_path)
    item = plan_decision(
        decision(actions=[PlannedAction(action_id="a1", kind="reply")]), ACCOUNT, book, "Acme"
    )[0]
    assert item.refused
    assert any("defensive phrase 'as we already said'" in r for r in item.refusals)
    assert any("blaming phrase 'your fault'" in r for r in item.refusals)


def test_reply_without_any_situation_is_refused() -> None:
    [item] = _plan(actions=[PlannedAction(action_id="a1", kind="reply")], category=None)
    assert item.refused and "names no situation" in item.refusals[0]


def test_await_community_waits_for_the_account_window_from_the_comment() -> None:
    account = Account(platform="facebook", account_id="1001", community_window_minutes=30)
    [item] = _plan(actions=[PlannedAction(action_id="a1", kind="await_community")], account=account)
    assert item.request.not_before == NOW + timedelta(minutes=30)


def test_request_deletion_is_skipped_when_the_account_does_not_ask() -> None:
    account = Account(platform="facebook", account_id="1001", ask_deletion_after_resolution=False)
    [item] = _plan(
        actions=[PlannedAction(action_id="a1", kind="request_deletion")], account=account
    )
    assert item.skip is not None and not item.refused
