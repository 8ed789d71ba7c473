"""The lexicon classifier: language, folding, inflections, negation, score ranges."""

from __future__ import annotations

import pytest

from services.triage.domain.classification import LABELS, SENTIMENT
from services.triage.domain.classifier import Lexicon, LexiconClassifier, LexiconFile, fold
from services.triage.domain.labelling import Labeller
from tests.triage.factories import labeller, policy


@pytest.fixture(scope="module")
def classifier() -> LexiconClassifier:
    return LexiconClassifier.from_directory()


def test_folding_handles_case_umlauts_and_sharp_s() -> None:
    assert fold("SCHEISSE Scheiße scheiße Über") == "scheisse scheisse scheisse ueber"


@pytest.mark.parametrize(
    ("text", "fallback", "lang"),
    [
        ("Das Paket ist nicht angekommen und niemand antwortet", "en", "de"),
        ("The parcel has not arrived and nobody answers", "de", "en"),
        ("Größe?", "en", "de"),
        ("👍", "de", "de"),
        ("👍", "en", "en"),
        ("👍", "fr", "en"),
        ("ok", None, "en"),
    ],
)
def test_language_is_detected_by_stopwords_else_the_account_language(
    classifier: LexiconClassifier, text: str, fallback: str | None, lang: str
) -> None:
    assert classifier.classify(text, fallback).lang == lang


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Das Gerät ist KAPUTT", "complaint.product"),
        ("Die Geräte waren kaputte Ware", "complaint.product"),
        ("Die Lieferung ist bis heute nicht angekommen", "complaint.product"),
        ("Ich will eine Rückerstattung", "complaint.product"),
        ("Ihr seid SCHEISSE", "abuse.profanity"),
        ("So ein Scheißladen", "abuse.profanity"),
        ("Die Hotline ist eine Katastrophe", "complaint.customer_service"),
        ("Warum habt ihr meinen Kommentar gelöscht?", "complaint.social_media"),
        ("Chemtrails und die Lügenpresse!", "abuse.conspiracy"),
        ("Gott ist tot und eure Kirche auch", "abuse.blasphemy"),
        ("Halt die Fresse", "abuse.aggression"),
        ("Gewinnspiel! Klick hier: https://x.example", "abuse.spam"),
        ("It has been BROKEN since day one", "complaint.product"),
        ("My order never arrived", "complaint.product"),
        ("Nobody answered my emails", "complaint.customer_service"),
        ("Why did you delete my comment?", "complaint.social_media"),
        ("Shut up, I hate you", "abuse.aggression"),
        ("What a load of bullshit", "abuse.profanity"),
        ("God is dead", "abuse.blasphemy"),
        ("Wake up sheeple, 5G is mind control", "abuse.conspiracy"),
        ("I will burn your store down", "threat"),
        ("Thank you so much, works again!", "positive"),
    ],
)
def test_lexicon_labels_with_inflections_and_either_spelling(text: str, label: str) -> None:
    [labelled] = labeller().label_batch([(text, None)])
    assert label in labelled.labels, labelled


def test_negated_praise_is_not_positive(classifier: LexiconClassifier) -> None:
    assert classifier.classify("Ich bin gar nicht zufrieden", "de").scores["positive"] == 0.0
    assert classifier.classify("I am not happy", "en").scores["positive"] == 0.0
    assert classifier.classify("Ich bin zufrieden", "de").scores["positive"] >= 0.5


def test_every_label_is_scored_in_range_and_sentiment_is_signed(
    classifier: LexiconClassifier,
) -> None:
    bad = classifier.classify("Ihr Idioten, mein Handy ist kaputt!", "de").scores
    good = classifier.classify("Vielen Dank, super Service!", "de").scores
    assert set(bad) == {*LABELS, SENTIMENT}
    assert all(0.0 <= bad[label] <= 1.0 for label in LABELS)
    assert -1.0 <= bad[SENTIMENT] < 0 < good[SENTIMENT] <= 1.0


def test_a_text_without_signals_is_neutral(classifier: LexiconClassifier) -> None:
    [labelled] = labeller().label_batch([("Habt ihr am Montag offen?", "de")])
    assert labelled.labels == ["neutral"]


def test_labeller_applies_the_policy_thresholds() -> None:
    one_weak_hit = "Die Bestellung"
    [labelled] = labeller().label_batch([(one_weak_hit, "de")])
    assert labelled.scores["complaint.product"] == 0.45
    assert "complaint.product" not in labelled.labels
    assert labeller().label_batch([]) == []


def test_labeller_refuses_a_classifier_that_loses_items() -> None:
    class Lossy:
        def classify_batch(self, items: object) -> list[object]:
            return []

    with pytest.raises(RuntimeError, match="0 results for 1 texts"):
        Labeller(Lossy(), policy()).label_batch([("x", None)])  # type: ignore[arg-type]


def test_a_lexicon_with_an_unknown_label_or_bad_regex_is_refused() -> None:
    base = {"language": "xx", "stopwords": ["a"]}
    with pytest.raises(ValueError, match="unknown labels"):
        Lexicon.from_file(LexiconFile.model_validate({**base, "labels": {"nope": {}}}))
    with pytest.raises(ValueError, match="not a valid regex"):
        Lexicon.from_file(
            LexiconFile.model_validate({**base, "labels": {"troll": {"strong": ["(unclosed"]}}})
        )
