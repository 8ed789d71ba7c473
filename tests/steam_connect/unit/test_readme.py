"""The README's configuration table and the Settings class must not drift apart."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic.fields import FieldInfo

from shared.settings import PACKAGE_ROOT, Settings

README = Path(__file__).resolve().parents[3] / "README.md"
ROW = re.compile(r"^\| `(?P<name>[A-Z0-9_]+)` \| (?P<default>[^|]+) \|", re.MULTILINE)


def _table() -> dict[str, str]:
    section = README.read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return {m["name"]: m["default"].strip() for m in ROW.finditer(section)}


def _shown_default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if isinstance(value, list) and not value:
        return "(none)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, Path) and value.is_absolute():
        value = value.relative_to(PACKAGE_ROOT)
    return f"`{value}`"


def test_every_settings_field_has_a_row_and_no_row_is_stale() -> None:
    table = _table()
    fields = {name.upper() for name in Settings.model_fields}
    assert sorted(fields - set(table)) == [], "add these settings to the README table"
    assert sorted(set(table) - fields) == [], "these README rows name no Settings field"


def test_defaults_in_the_table_are_the_real_defaults() -> None:
    table = _table()
    for name, field in Settings.model_fields.items():
        assert table[name.upper()] == _shown_default(field), name


def test_the_two_commands_come_first() -> None:
    text = README.read_text()
    first_heading = text.index("\n## ")
    assert text.index("make run", first_heading) < text.index("## Architecture")
    assert text.index("make test", first_heading) < text.index("## Architecture")
