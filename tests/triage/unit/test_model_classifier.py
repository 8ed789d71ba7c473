"""The shipped model: loads without pickle, scores obvious sentences sensibly, keeps batch order."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from services.triage.domain.classification import LABELS, SENTIMENT, Classification
from services.triage.domain.model import ModelClassifier
from services.triage.domain.model.classifier import choose_language


@pytest.fixture(scope="module")
def model() -> ModelClassifier:
    return ModelClassifier.load()


def classify(model: ModelClassifier, text: str, fallback: str | None = None) -> Classification:
    return model.classify_batch([(text, fallback)])[0]


def test_every_label_is_scored_in_range(model: ModelClassifier) -> None:
    result = classify(model, "Danke für die schnelle Hilfe!")
    assert set(result.scores) == {*LABELS, SENTIMENT}
    assert all(0.0 <= result.scores[k] <= 1.0 for k in LABELS)
    assert -1.0 <= result.scores[SENTIMENT] <= 1.0


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Ich habe das Paket vor zwei Wochen bestellt und es ist immer noch nicht da", "de"),
        ("Vielen Dank, der Kundenservice war wirklich sehr freundlich", "de"),
        ("I ordered the package two weeks ago and it still has not arrived", "en"),
        ("Thanks a lot, your support team was really friendly", "en"),
    ],
)
def test_language_is_detected(model: ModelClassifier, text: str, lang: str) -> None:
    other = "en" if lang == "de" else "de"
    assert classify(model, text, fallback=other).lang == lang


def test_fallback_language_decides_only_when_the_model_is_unsure() -> None:
    assert choose_language(0.55, "en") == "en"
    assert choose_language(0.55, None) == "de"
    assert choose_language(0.95, "en") == "de"
    assert choose_language(0.05, "de") == "en"


def test_german_insult_scores_high_and_polite_text_low(model: ModelClassifier) -> None:
    rude = classify(model, "Du dummes Arschloch, halt endlich deine Fresse, du Vollidiot!")
    polite = classify(model, "Guten Morgen, wann öffnet die Filiale am Samstag?")
    assert rude.lang == polite.lang == "de"
    assert rude.scores["abuse.insult"] > 0.5
    assert max(polite.scores[k] for k in ("abuse.insult", "abuse.hate", "abuse.profanity")) < 0.3


def test_english_abuse_scores_high_and_polite_text_low(model: ModelClassifier) -> None:
    rude = classify(model, "shut up you stupid bitch, you are a fucking idiot")
    polite = classify(model, "Good morning, what time does the store open on Saturday?")
    assert rude.scores["abuse.insult"] + rude.scores["abuse.hate"] > 0.7
    assert polite.scores["abuse.insult"] + polite.scores["abuse.hate"] < 0.3
    assert polite.scores["neutral"] > rude.scores["neutral"]


def test_spam_and_complaint_heads(model: ModelClassifier) -> None:
    spam = classify(model, "Check out my channel and subscribe!!! http://bit.ly/free-money")
    complaint = classify(model, "The charger broke after two days, bad quality, I want a refund")
    praise = classify(model, "Love it, works perfectly and looks great")
    assert spam.scores["abuse.spam"] > 0.8
    assert complaint.scores["complaint.product"] > 0.7
    assert praise.scores["complaint.product"] < 0.3
    assert complaint.scores[SENTIMENT] < 0


def test_batch_keeps_order_and_length(model: ModelClassifier) -> None:
    texts = [
        "shut up you stupid bitch",
        "Guten Morgen, wann öffnet die Filiale?",
        "",
        "Check out my channel and subscribe!!! http://bit.ly/x",
        "The charger broke after two days, I want a refund",
    ] * 3
    batch = model.classify_batch([(t, None) for t in texts])
    singles = [classify(model, t) for t in texts]
    assert len(batch) == len(texts)
    for one, many in zip(singles, batch, strict=True):
        assert one.lang == many.lang
        assert one.scores == pytest.approx(many.scores, abs=1e-3)
    assert model.classify_batch([]) == []


def test_long_batches_are_chunked_without_changing_scores(model: ModelClassifier) -> None:
    texts = [f"comment {i}: you stupid idiot" if i % 2 else f"Frage {i}" for i in range(5000)]
    probs = model.head_probabilities(texts)
    again = model.head_probabilities(texts[4095:4098])
    assert probs["offensive_en"].shape == (5000,)
    assert probs["offensive_en"][4095:4098] == pytest.approx(again["offensive_en"], abs=1e-5)


def test_the_cascade_encodes_only_what_the_ngram_heads_are_unsure_of() -> None:
    from services.triage.domain.model.artifact import load_model
    from services.triage.domain.model.encoder import UseEncoder

    loaded = load_model()
    encoder = UseEncoder()
    cascade = ModelClassifier(loaded, encoder, "cascade")
    always = ModelClassifier(loaded, encoder, "always")
    off = ModelClassifier(loaded, None, "off")
    texts = [
        "Danke, alles super!",
        "Ich weiß, wo dein Auto steht. Pass gut auf dich auf.",
        "I know where your manager parks his car",
        "Mein Paket ist seit drei Wochen nicht da",
        "lol",
    ]
    cascade.head_probabilities(texts)
    always.head_probabilities(texts)
    off.head_probabilities(texts)
    assert always.encoded == len(texts)
    assert 0 < cascade.encoded <= len(texts)
    assert off.encoded == 0 and off.encoder is None


def test_an_encoder_mode_without_an_encoder_is_refused() -> None:
    from services.triage.domain.model.artifact import ModelLoadError, load_model

    with pytest.raises(ModelLoadError, match="needs an encoder"):
        ModelClassifier(load_model(), None, "cascade")


class _NoEncoder:
    """Stands in where only the cascade's choice is under test (nothing is encoded)."""

    name = "none"

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        raise AssertionError("the choice must not encode")


@pytest.mark.parametrize(
    ("scores", "encode"),
    [
        ({"lang_de": 0.0, "offensive_de": 0.5}, False),  # sure English: German n-grams say nothing
        ({"lang_de": 1.0, "offensive_en": 0.5}, False),  # and the reverse
        ({"lang_de": 0.0, "offensive_en": 0.5}, True),
        ({"lang_de": 0.5, "offensive_de": 0.5}, True),  # language unsure: both count
        ({"lang_de": 0.0, "complaint": 0.85}, True),  # near a removal bar, above the label bar
        ({"lang_de": 0.0, "hate": 0.95}, False),  # sure
        ({"lang_de": 0.0, "sarcasm": 0.5, "positive": 0.5}, False),  # decide no action
        ({"lang_de": 1.0, "fine_de.insult": 0.5}, False),
    ],
)
def test_the_cascade_asks_for_the_encoder_where_a_deciding_head_is_unsure(
    scores: dict[str, float], encode: bool
) -> None:
    from services.triage.domain.model.artifact import load_model

    loaded = load_model()
    cascade = ModelClassifier(loaded, _NoEncoder(), "cascade")
    row = np.zeros((1, len(loaded.columns)), dtype=np.float32)
    for column, value in scores.items():
        row[0, loaded.columns.index(column)] = value
    assert cascade.needs_encoding(row).tolist() == [encode]
