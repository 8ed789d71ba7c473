"""Counts on the inbox pages: singular for exactly one, plural otherwise, in both languages."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from services.reporting.inbox.i18n import LANGUAGES, TEXT, texts
from services.reporting.inbox.web import make_templates


def counted(lang: str, n: int, noun: str = "messages") -> str:
    """The `counted` macro of macros.html, as the queue page calls it."""
    module = make_templates().env.get_template("macros.html").make_module({"t": texts(lang)})
    macro: Callable[[int, str], object] = module.counted  # type: ignore[attr-defined]
    return str(macro(n, noun))


@pytest.mark.parametrize(
    ("lang", "n", "shown"),
    [
        ("en", 0, "0 messages"),
        ("en", 1, "1 message"),
        ("en", 2, "2 messages"),
        ("en", 21, "21 messages"),
        ("de", 0, "0 Nachrichten"),
        ("de", 1, "1 Nachricht"),
        ("de", 2, "2 Nachrichten"),
    ],
)
def test_a_count_agrees_with_its_noun(lang: str, n: int, shown: str) -> None:
    assert counted(lang, n) == shown


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_counted_noun_has_both_forms_with_the_count(lang: str) -> None:
    one = {k.removesuffix("_one") for k in TEXT[lang] if k.endswith("_one")}
    other = {k.removesuffix("_other") for k in TEXT[lang] if k.endswith("_other")}
    assert one == other and one
    for noun in one:
        assert "{n}" in TEXT[lang][f"{noun}_one"] and "{n}" in TEXT[lang][f"{noun}_other"]
