"""Reply templates: every shipped text is polite, filled, and stable per action id."""

from __future__ import annotations

import re

import pytest

from services.responder.domain.templates import (
    TemplateBook,
    TemplateError,
    reference_code,
    variant_index,
)
from shared.tone import check_tone

BOOK = TemplateBook.from_directory()
SITUATIONS = (
    "complaint.product",
    "complaint.customer_service",
    "complaint.social_media",
    "move_to_private",
    "move_to_private.private",
    "private_reply",
    "request_deletion",
    "follow_up",
)


def _render(language: str, situation: str, action_id: str, author: str = "Jane") -> str:
    return BOOK.render(
        language=language,
        situation=situation,
        action_id=action_id,
        author=author,
        brand="Acme",
        reference="SC-ABCDEFGH",
    )


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("situation", SITUATIONS)
def test_every_situation_has_several_variants_in_both_languages(
    language: str, situation: str
) -> None:
    assert len(BOOK.variants(language, situation)) >= 2


@pytest.mark.parametrize(("language", "situation", "variant"), list(BOOK.all_variants()))
def test_tone_guard_accepts_every_shipped_variant(
    language: str, situation: str, variant: str
) -> None:
    assert check_tone(variant, humour_allowed=False).reasons == ()


def test_placeholders_are_filled_in_every_variant() -> None:
    for language, situation, _variant in BOOK.all_variants():
        for n in range(20):
            text = _render(language, situation, f"action-{n}")
            assert "{" not in text and "}" not in text
            assert "Jane" in text and "Acme" in text
            if situation != "request_deletion":
                assert "SC-ABCDEFGH" in text


def test_english_product_reply_reads_as_expected() -> None:
    variants = BOOK.variants("en", "complaint.product")
    index = variant_index("a-1", len(variants))
    expected = (
        variants[index]
        .replace("{author}", "Jane")
        .replace("{brand}", "Acme")
        .replace("{reference}", "SC-ABCDEFGH")
    )
    assert _render("en", "complaint.product", "a-1") == expected
    assert expected.startswith(("Hi Jane,", "Hello Jane,"))


def test_german_reply_is_german() -> None:
    text = _render("de", "complaint.customer_service", "a-1")
    assert text.startswith("Hallo Jane,")
    assert "Ihr Acme-Team" in text


def test_same_action_id_renders_the_same_text_and_ids_spread_over_variants() -> None:
    assert _render("en", "complaint.product", "a-42") == _render("en", "complaint.product", "a-42")
    texts = {_render("en", "complaint.product", f"a-{n}") for n in range(50)}
    assert len(texts) == len(BOOK.variants("en", "complaint.product"))


def test_unknown_language_falls_back_to_account_language_then_english() -> None:
    assert BOOK.resolve_language("fr", "de") == "de"
    assert BOOK.resolve_language("fr", None) == "en"
    assert BOOK.resolve_language("", "xx") == "en"
    assert BOOK.resolve_language("de-AT", "en") == "de"


def test_blank_author_name_gets_a_polite_greeting() -> None:
    assert _render("en", "follow_up", "a-1", author="  ").startswith(("Hi there,", "Hello there,"))
    assert _render("de", "follow_up", "a-1", author="").startswith("Hallo und guten Tag,")


def test_author_name_with_braces_is_not_interpreted() -> None:
    assert "{brand}x" in _render("en", "follow_up", "a-1", author="{brand}x")


def test_unknown_situation_names_what_exists() -> None:
    with pytest.raises(TemplateError, match=r"complaint\.weather.*known"):
        _render("en", "complaint.weather", "a-1")


def test_reference_code_is_short_and_stable() -> None:
    code = reference_code("facebook", "222_333")
    assert re.fullmatch(r"SC-[A-Z2-7]{8}", code)
    assert code == reference_code("facebook", "222_333")
    assert code != reference_code("facebook", "222_334")


def test_bad_placeholder_in_a_template_file_is_rejected(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "en.yaml").write_text(
        "language: en\nsituations:\n  follow_up:\n    - 'Hi {customer}'\n", encoding="utf-8"
    )
    with pytest.raises(TemplateError, match=r"unknown placeholders \['customer'\]"):
        TemplateBook.from_directory(tmp_path)


X_LIMIT = 280


def test_every_situation_has_a_wording_that_fits_an_x_reply() -> None:
    """X refuses posts over 280 characters; a long name must pick a shorter variant."""
    book = TemplateBook.from_directory()
    situations = {(language, situation) for language, situation, _v in book.all_variants()}
    for language, situation in sorted(situations):
        for action in ("a1", "a2", "a3", "a4"):
            text = book.render(
                language=language,
                situation=situation,
                action_id=action,
                author="Maximiliane Mustermann-Lüdenscheid",
                brand="Steam-Connect",
                reference="SC-ABCDEFGH",
                max_length=X_LIMIT,
            )
            assert len(text) <= X_LIMIT, (language, situation)


def test_no_fitting_wording_is_a_clear_error_not_a_cut_reply() -> None:
    book = TemplateBook.from_directory()
    with pytest.raises(TemplateError, match="longer than the platform's 20 characters"):
        book.render(
            language="en",
            situation="complaint.product",
            action_id="a1",
            author="Jane",
            brand="Steam-Connect",
            reference="SC-1",
            max_length=20,
        )
