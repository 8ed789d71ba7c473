"""SQL expressions the repositories share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY


def one_of(column: ColumnElement[Any], values: Iterable[Any]) -> ColumnElement[bool]:
    """`column = ANY(:values)` with one array parameter.

    `IN (...)` renders one placeholder per value, so each batch size is a new statement that
    asyncpg prepares again (a round trip and a plan); this text never changes.
    """
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
