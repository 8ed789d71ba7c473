"""Merging model scores with the lexicon rules, rule by rule."""

from __future__ import annotations

import pytest

from services.triage.domain.classification import LABELS, SENTIMENT
from services.triage.domain.classifier import LexiconClassifier
from services.triage.domain.model import HybridClassifier, ModelClassifier, merge_scores
from services.triage.domain.model.hybrid import UNCONFIRMED_OFFENSIVE_WEIGHT


def zeros(**scores: float) -> dict[str, float]:
    base = dict.fromkeys(LABELS, 0.0)
    base.update({k.replace("__", "."): v for k, v in scores.items()})
    base["neutral"] = 1.0
    base[SENTIMENT] = 0.0
    return base


def test_model_labels_take_the_maximum_of_both() -> None:
    merged = merge_scores(zeros(abuse__insult=0.9), zeros(abuse__insult=0.45, abuse__spam=0.8))
    assert merged["abuse.insult"] == 0.9
    assert merged["abuse.spam"] == 0.8
    assert merged["neutral"] == pytest.approx(0.1)
    assert merged[SENTIMENT] == pytest.approx(-0.9)


def test_model_complaint_alone_cannot_pass_a_threshold_without_a_rule_hit() -> None:
    merged = merge_scores(zeros(complaint__product=0.8), zeros())
    assert merged["complaint.product"] == pytest.approx(0.4)
    assert merged["complaint.customer_service"] == 0.0


def test_model_complaint_confirms_a_weak_rule_hit() -> None:
    merged = merge_scores(zeros(complaint__product=0.8), zeros(complaint__product=0.45))
    assert merged["complaint.product"] == pytest.approx(0.8)


def test_model_complaint_is_split_by_the_rules_sub_labels() -> None:
    rules = zeros(complaint__customer_service=0.8, complaint__product=0.2)
    merged = merge_scores(zeros(complaint__product=0.9), rules)
    assert merged["complaint.customer_service"] == pytest.approx(0.8)
    assert merged["complaint.product"] == pytest.approx(0.2)
    merged = merge_scores(zeros(complaint__product=1.0), zeros(complaint__social_media=0.45))
    assert merged["complaint.social_media"] == 1.0
    assert merged["complaint.product"] == 0.0


def test_rule_only_labels_pass_through_unchanged() -> None:
    merged = merge_scores(zeros(), zeros(threat=0.8, troll=0.45, positive=0.8))
    assert (merged["threat"], merged["troll"], merged["positive"]) == (0.8, 0.45, 0.8)


@pytest.fixture(scope="module")
def hybrid() -> HybridClassifier:
    return HybridClassifier(ModelClassifier.load(), LexiconClassifier.from_directory())


def test_hybrid_keeps_order_and_uses_the_model_language(hybrid: HybridClassifier) -> None:
    items: list[tuple[str, str | None]] = [
        ("Ich bring euch alle um, ich zünde euren Laden an", "en"),
        ("shut up you stupid idiot", "de"),
        ("Vielen Dank für die schnelle Antwort!", None),
    ]
    out = hybrid.classify_batch(items)
    assert [c.lang for c in out] == ["de", "en", "de"]
    assert out[1].scores["abuse.insult"] > 0.5
    assert out[2].scores["abuse.insult"] < 0.3
    assert set(out[0].scores) == {*LABELS, SENTIMENT}
    assert hybrid.classify_batch([]) == []


def test_model_hate_alone_never_becomes_a_severe_label() -> None:
    merged = merge_scores(zeros(abuse__hate=0.9), zeros())
    assert merged["abuse.hate"] == 0.0
    assert merged["abuse.insult"] == pytest.approx(0.9 * UNCONFIRMED_OFFENSIVE_WEIGHT)


def test_model_offensive_confirms_the_kind_the_lexicon_saw() -> None:
    merged = merge_scores(zeros(abuse__hate=0.9), zeros(abuse__profanity=0.45))
    assert merged["abuse.profanity"] == pytest.approx(0.9)
    assert merged["abuse.hate"] == 0.0
