"""The erasure plans: each names only its service's tables, no table with personal columns is
forgotten, and the scrub empties words and names at any depth and replaces the author's id."""

from __future__ import annotations

from shared.db.models import TABLE_OWNERS, Base
from shared.privacy import PLANS, erasure_token, mentions, scrub

PERSONAL_COLUMNS = {"text", "author_name", "author_id", "customer_id", "evidence", "note"}
"""Column names that hold an author's words, name or id (JSON documents are named per plan)."""
NOT_ABOUT_AUTHORS = {"reporting_agents", "reporting_canned_replies"}
"""Agents' own accounts and the team's canned texts: about the team, not about authors."""


def test_each_plan_names_only_tables_its_service_owns() -> None:
    for service, plans in PLANS.items():
        for plan in plans:
            assert TABLE_OWNERS[plan.table] == service, plan.table
            columns = Base.metadata.tables[plan.table].c
            for name in [*plan.clear, *plan.author, *plan.json]:
                assert name in columns, f"{plan.table}.{name}"


def test_no_table_with_personal_columns_is_left_out() -> None:
    planned = {plan.table for plans in PLANS.values() for plan in plans}
    for name, table in Base.metadata.tables.items():
        if name in NOT_ABOUT_AUTHORS:
            continue
        personal = PERSONAL_COLUMNS & set(table.c.keys())
        assert not personal or name in planned, f"{name} holds {sorted(personal)} but no plan"


def test_scrub_empties_words_and_names_and_replaces_the_id_at_any_depth() -> None:
    event = {
        "comment": {
            "comment_id": "c1",
            "text": "Mein Paket fehlt",
            "author": {"id": "u1", "name": "Jane Doe"},
        },
        "actions": [{"kind": "reply", "text": "Hallo Jane"}],
        "evidence": {"text": "x"},
        "labels": ["complaint"],
        "others": ["u1", "u2"],
    }
    token = erasure_token("0123456789abcdef0123")
    clean = scrub(event, "u1", token)
    assert clean["comment"] == {"comment_id": "c1", "text": "", "author": {"id": token, "name": ""}}
    assert clean["actions"] == [{"kind": "reply", "text": ""}]
    assert clean["evidence"] is None and clean["labels"] == ["complaint"]
    assert clean["others"] == [token, "u2"]
    assert scrub(clean, "u1", token) == clean  # running it again changes nothing
    assert token == "erased:0123456789abcdef"


def test_mentions_finds_a_comment_or_the_author_anywhere_in_an_entry() -> None:
    ids = frozenset({"c1"})
    assert mentions({"comment": {"comment_id": "c1"}}, ids, "u9")
    assert mentions({"target": {"author_id": "u9"}}, ids, "u9")
    assert not mentions({"comment": {"comment_id": "c2", "text": "c1 was here"}}, ids, "u9")
