"""Merging model scores with the lexicon rules, rule by rule (pure: plain score maps in)."""

from __future__ import annotations

import pytest

from services.triage.domain.classification import LABELS, SENTIMENT
from services.triage.domain.model import merge_scores


def zeros(**scores: float) -> dict[str, float]:
    base = dict.fromkeys(LABELS, 0.0)
    base.update({k.replace("__", "."): v for k, v in scores.items()})
    base["neutral"] = 1.0
    base[SENTIMENT] = 0.0
    return base


def test_threat_and_spam_take_the_maximum_of_model_and_rules() -> None:
    merged = merge_scores(zeros(threat=0.9, abuse__spam=0.2), zeros(abuse__spam=0.8))
    assert merged["threat"] == 0.9
    assert merged["abuse.spam"] == 0.8
    assert merged["neutral"] == pytest.approx(0.1)
    assert merged[SENTIMENT] == pytest.approx(-0.9)


def test_a_lexicon_threat_is_never_lost() -> None:
    assert merge_scores(zeros(), zeros(threat=0.8))["threat"] == 0.8


def test_a_slur_counts_as_hate_only_as_far_as_the_model_finds_the_text_offensive() -> None:
    quoted = merge_scores(zeros(abuse__insult=0.1), zeros(abuse__hate=0.8))
    assert quoted["abuse.hate"] == pytest.approx(0.1)
    meant = merge_scores(zeros(abuse__insult=0.9), zeros(abuse__hate=0.8))
    assert meant["abuse.hate"] == pytest.approx(0.8)
    assert merge_scores(zeros(abuse__hate=0.95), zeros())["abuse.hate"] == 0.95


def test_the_lexicon_names_the_kind_of_the_models_offensive_score() -> None:
    merged = merge_scores(zeros(abuse__insult=0.9), zeros(abuse__profanity=0.45))
    assert merged["abuse.profanity"] == pytest.approx(0.9)
    assert merged["abuse.insult"] == 0.0


def test_without_a_lexicon_kind_the_model_kinds_stand() -> None:
    merged = merge_scores(zeros(abuse__insult=0.3, abuse__profanity=0.7), zeros())
    assert (merged["abuse.insult"], merged["abuse.profanity"]) == (0.3, 0.7)


def test_complaint_evidence_is_split_by_the_rules_kinds() -> None:
    rules = zeros(complaint__customer_service=0.8, complaint__product=0.2)
    merged = merge_scores(zeros(complaint__product=0.9), rules)
    assert merged["complaint.customer_service"] == pytest.approx(0.8)
    assert merged["complaint.product"] == pytest.approx(0.2)
    merged = merge_scores(zeros(complaint__product=1.0), zeros(complaint__social_media=0.45))
    assert merged["complaint.social_media"] == 1.0
    assert merged["complaint.product"] == 0.0


def test_complaint_without_a_kind_rule_is_a_product_complaint() -> None:
    merged = merge_scores(zeros(complaint__product=0.8), zeros())
    assert merged["complaint.product"] == pytest.approx(0.8)


def test_praise_is_discounted_by_complaint_evidence() -> None:
    sarcastic = merge_scores(zeros(complaint__product=0.9), zeros(positive=0.8))
    assert sarcastic["positive"] == pytest.approx(0.08)
    sincere = merge_scores(zeros(positive=0.9), zeros())
    assert sincere["positive"] == pytest.approx(0.9)


def test_seed_set_labels_take_the_maximum_of_model_and_rules() -> None:
    merged = merge_scores(
        zeros(troll=0.7, abuse__conspiracy=0.3), zeros(troll=0.45, abuse__conspiracy=0.8)
    )
    assert (merged["troll"], merged["abuse.conspiracy"]) == (0.7, 0.8)


def test_rule_only_labels_pass_through_unchanged() -> None:
    merged = merge_scores(
        zeros(trivial=0.9, abuse__blasphemy=0.9), zeros(trivial=0.8, abuse__blasphemy=0.45)
    )
    assert (merged["trivial"], merged["abuse.blasphemy"]) == (0.8, 0.45)
