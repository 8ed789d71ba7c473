"""Canned replies: saved words with variables, rendered for one exchange.

Variables are `{author_name}`, `{brand}` and `{reference}` (the exchange's reference a customer
can quote). Unknown variables are refused when the reply is saved, not when an agent inserts
it; a literal brace is written twice (`{{`), as in Python's `str.format`.
"""

from __future__ import annotations

import hashlib
import string
from collections.abc import Mapping

from services.reporting.domain.workspace import Invalid

VARIABLES = ("author_name", "brand", "reference")


def check_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise Invalid("body: a canned reply needs words", "body")
    try:
        fields = [f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise Invalid(f"body: {exc} (write a literal brace as {{{{ or }}}})", "body") from exc
    unknown = sorted({f for f in fields if f not in VARIABLES})
    if unknown:
        raise Invalid(
            f"body: unknown variable(s) {', '.join(unknown)}; use {', '.join(VARIABLES)}", "body"
        )
    return text


def render(body: str, values: Mapping[str, str]) -> str:
    """The body with its variables filled in; a variable without a value stays readable."""
    filled = {name: values.get(name) or f"[{name}]" for name in VARIABLES}
    return body.format_map(filled)


def reference(thread_id: str) -> str:
    """A short, stable reference a customer can quote back (not the internal thread id)."""
    return "SC-" + hashlib.sha256(thread_id.encode()).hexdigest()[:8].upper()
