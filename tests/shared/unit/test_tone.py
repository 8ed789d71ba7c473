"""Tone guard (R13): defensive, blaming, sarcastic or argumentative drafts never go out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.tone import (
    _ANY_HUMOUR_WORD,
    _ANY_PHRASE,
    _COMPILED,
    _HUMOUR_WORD_PATTERNS,
    HUMOUR_WORDS,
    check_tone,
    edit_refusal,
)

CALM_EN = "Hi Jane, we are sorry about this. Please message us and we will help right away."
CALM_DE = "Hallo Jane, das tut uns leid. Bitte schreiben Sie uns, wir helfen Ihnen sofort."


@pytest.mark.parametrize("draft", [CALM_EN, CALM_DE])
def test_calm_drafts_pass(draft: str) -> None:
    assert check_tone(draft, humour_allowed=False).accepted


@pytest.mark.parametrize(
    ("draft", "category"),
    [
        ("Actually you did not read the instructions.", "defensive"),
        ("As we already said, the parcel left on Monday.", "defensive"),
        ("That is not our fault, the courier lost it.", "defensive"),
        ("You should have registered the product first.", "blaming"),
        ("Please calm down, we are looking into it.", "argumentative"),
        ("Yeah right, we will get right on that.", "sarcastic"),
        ("Wie bereits gesagt, das Paket ist unterwegs.", "defensive"),
        ("Sie hätten das Gerät vorher registrieren müssen.", "blaming"),
        ("Das ist leider selbst schuld.", "blaming"),
        ("Beruhigen Sie sich bitte erst einmal.", "argumentative"),
        ("Na toll, noch eine Beschwerde.", "sarcastic"),
    ],
)
def test_defensive_blaming_argumentative_and_sarcastic_drafts_are_rejected(
    draft: str, category: str
) -> None:
    verdict = check_tone(draft, humour_allowed=True)
    assert not verdict.accepted
    assert category in {f.category for f in verdict.findings}, verdict.reasons


def test_matching_ignores_case_spacing_and_curly_apostrophes() -> None:
    verdict = check_tone("We  can’t help — CALM   DOWN.  You’re   wrong.", humour_allowed=False)
    assert [(f.category, f.evidence) for f in verdict.findings] == [
        ("argumentative", "CALM DOWN"),
        ("argumentative", "You're wrong"),
    ]


def test_phrases_match_whole_words_only() -> None:
    assert check_tone("Our colleague Lolita will call you.", humour_allowed=False).accepted


@pytest.mark.parametrize("draft", ["Thanks Jane, haha, we will fix it.", "We will fix it 😉"])
def test_humour_is_rejected_unless_the_account_enables_it(draft: str) -> None:
    rejected = check_tone(draft, humour_allowed=False)
    assert not rejected.accepted
    assert rejected.reasons[0].startswith("humour on an account that does not allow it")
    assert check_tone(draft, humour_allowed=True).accepted


def test_shouting_punctuation_is_not_calm() -> None:
    assert not check_tone("We will fix it!!", humour_allowed=False).accepted


def test_every_reason_is_reported() -> None:
    verdict = check_tone("As we already said: your fault. lol", humour_allowed=False)
    assert len(verdict.reasons) == 3


_PHRASES = [phrase for _lang, _cat, phrase, _pattern in _COMPILED]
_SCREENS = [
    (_ANY_PHRASE, [pattern for *_, pattern in _COMPILED]),
    (_ANY_HUMOUR_WORD, [pattern for _word, pattern in _HUMOUR_WORD_PATTERNS]),
]


@given(
    st.lists(
        st.sampled_from(
            [*_PHRASES, *HUMOUR_WORDS, "we", "help", "sorry", "x", "", "!", "yeah", "sie", "lolita"]
        ),
        max_size=8,
    ),
    st.sampled_from([" ", "", ", ", "-", "ä"]),
)
def test_the_one_pass_screens_find_every_draft_a_single_phrase_would(
    words: list[str], glue: str
) -> None:
    """A screen may only skip the per-phrase patterns when none of them would match."""
    text = glue.join(words)
    for screen, patterns in _SCREENS:
        assert bool(screen.search(text)) == any(p.search(text) for p in patterns)


def test_an_edit_is_refused_with_the_guards_reasons_or_for_a_kind_without_text() -> None:
    assert edit_refusal("reply", "Das tut uns leid, wir kümmern uns.", humour_allowed=False) is None
    refused = edit_refusal("reply", "Das ist leider selbst schuld.", humour_allowed=False)
    assert refused is not None and refused.reasons
    assert str(refused).startswith("the edited reply fails the tone guard: ")
    hide = edit_refusal("hide", "anything", humour_allowed=False)
    assert hide is not None and (hide.message, hide.reasons) == (
        "a hide action has no text to edit",
        (),
    )


INSULTING = [
    "Sie sind ein Idiot.",
    "You are an idiot.",
    "Was für ein Schwachsinn.",
    "Halt die Klappe.",
    "Please just shut up about it.",
    "You people are clueless.",
    "Lesen Sie doch einfach mal die FAQ, das ist nicht so schwer.",
    "Das ist doch lächerlich, Sie Trottel.",
    "Wie dumm kann man sein?",
    "Honestly, it's not that hard to find the button.",
    "Stop whining, loser.",
    "Ihr Leute seid unfähig, ein Formular auszufüllen.",
    "WE HAVE ALREADY TOLD YOU TWICE.",
]
POLITE = [
    "Es tut uns leid, dass Ihre Bestellung noch nicht angekommen ist.",
    "Sorry about the delay — could you DM us your order number?",
    "Wir kümmern uns sofort darum.",
    "Danke für Ihre Geduld. Wir melden uns heute noch per Nachricht.",
    "We're sorry the app crashed. Which phone and app version do you use?",
    "Das ist ärgerlich, und das verstehen wir gut.",
    "Könnten Sie uns bitte Ihre Kundennummer per Direktnachricht schicken?",
    "Thanks for letting us know. Our team is looking into the refund now.",
    "Wir haben Ihre Reklamation an die Kollegen im Versand weitergegeben.",
    "That shouldn't have happened. We'll replace the blender free of charge.",
    "Bitte entschuldigen Sie die lange Wartezeit an der Hotline.",
    "Our FAQ explains the steps, and we are happy to walk you through them here.",
    "Your order ships via DHL, UPS or DPD; the tracking code is in your email.",
]


@pytest.mark.parametrize("draft", INSULTING)
def test_insults_shouting_and_condescension_are_caught(draft: str) -> None:
    verdict = check_tone(draft, humour_allowed=True)
    assert not verdict.accepted, draft
    assert all(isinstance(r, str) and r for r in verdict.reasons)


@pytest.mark.parametrize("draft", POLITE)
def test_ordinary_polite_replies_stay_clean(draft: str) -> None:
    assert check_tone(draft, humour_allowed=False).reasons == ()


def test_a_reason_names_the_phrase_once_even_when_two_languages_list_it() -> None:
    assert check_tone("Sie sind ein Idiot.", humour_allowed=True).reasons == (
        "insults the customer (insulting phrase 'Idiot')",
    )
