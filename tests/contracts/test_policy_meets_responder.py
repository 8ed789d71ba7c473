"""Triage's policy and the responder's templates are two files that must agree.

The services may not import each other, so this cross-service test is the guard: every reply
situation a rule can name is one the responder can render, in every language it ships.
"""

from __future__ import annotations

from services.responder.domain.plan import DEFAULT_SITUATION
from services.responder.domain.templates import TemplateBook
from services.triage.domain.policy_loader import load_policy
from shared.contracts.commands import MANUAL_ACTIONS
from shared.settings import Settings

TEXT_ACTIONS = {"reply", "private_reply", "request_deletion", "await_community"}
AGENT_ONLY_ACTIONS = {"unblock_author"}
"""Kinds a person takes by hand: triage's policy never plans them."""


def _situations_the_policy_can_ask_for() -> set[str]:
    policy = load_policy(Settings(_env_file=None).policy_file)
    complaint_categories = set(policy.sla)
    situations: set[str] = set()
    for rule in policy.rules:
        for action in rule.actions:
            if action.kind not in TEXT_ACTIONS:
                continue
            template = action.template or DEFAULT_SITUATION.get(action.kind)
            if template is None or template.startswith("$"):
                situations |= complaint_categories
            else:
                situations.add(template)
    return situations


def test_every_reply_situation_in_the_policy_has_templates_in_every_language() -> None:
    book = TemplateBook.from_directory()
    wanted = _situations_the_policy_can_ask_for()
    assert {"complaint.product", "move_to_private", "request_deletion"} <= wanted
    shipped = {(language, situation) for language, situation, _text in book.all_variants()}
    missing = [
        (language, situation)
        for language in book.languages()
        for situation in sorted(wanted)
        if (language, situation) not in shipped
    ]
    assert missing == []


def test_the_policy_never_plans_an_action_only_an_agent_takes() -> None:
    policy = load_policy(Settings(_env_file=None).policy_file)
    planned = {a.kind for rule in policy.rules for a in rule.actions}
    planned |= set(policy.settings.moderation_actions)
    assert "block_author" in planned
    assert planned & AGENT_ONLY_ACTIONS == set()
    assert AGENT_ONLY_ACTIONS <= set(MANUAL_ACTIONS.values()), "an agent can take each by hand"
