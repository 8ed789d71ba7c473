"""Each service touches only its own tables (ARCHITECTURE.md); what it knows of others arrives
as events.

The scan looks at every module under `services/<name>/` for the ORM row classes it names (the
services reach tables only through `shared.db.models`) and for table names in SQL string
literals.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from shared.db.models import TABLE_OWNERS, Base

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ingest", "triage", "responder", "reporting")
ROW_TABLES = {m.class_.__name__: str(m.class_.__tablename__) for m in Base.registry.mappers}
SQL_TABLE = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+\"?([a-z_]+)\"?")
"""Upper-case keywords only, as the project writes SQL: a docstring's "folded from decisions" is
prose, not a query."""


def tables_named(source: str) -> set[str]:
    """Tables a module reaches: row classes it names, table names in its SQL strings."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and node.id in ROW_TABLES:
            found.add(ROW_TABLES[node.id])
        elif isinstance(node, ast.alias) and node.name in ROW_TABLES:
            found.add(ROW_TABLES[node.name])
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found |= {t for t in SQL_TABLE.findall(node.value) if t in TABLE_OWNERS}
    return found


def crossings() -> set[tuple[str, str, str]]:
    out = set()
    for service in SERVICES:
        for path in sorted((ROOT / "services" / service).rglob("*.py")):
            for table in tables_named(path.read_text(encoding="utf-8")):
                if TABLE_OWNERS[table] != service:
                    out.add((service, table, str(path.relative_to(ROOT))))
    return out


def test_every_table_has_one_owning_service() -> None:
    assert set(TABLE_OWNERS) == set(ROW_TABLES.values())
    assert set(TABLE_OWNERS.values()) <= set(SERVICES)


def test_no_service_reaches_another_services_tables() -> None:
    assert crossings() == set(), "(service, someone else's table, module)"


def test_the_scan_sees_row_classes_and_sql() -> None:
    source = (
        'from shared.db.models import ActionRow\nQ = "SELECT 1 FROM exchanges e JOIN decisions d"'
    )
    assert tables_named(source) == {"actions", "exchanges", "decisions"}
