"""Model scores where we have training data, transparent lexicon rules everywhere else.

Merge rules (documented in docs/classifier.md, one line each here):
- language: the model's language head (more robust than stopword counts); the rules score the
  text with that language's lexicon (no second detection);
- spam: the maximum of model and rule score, so an explicit lexicon hit is never lost;
- abuse: the model says "offensive" (its best-measured head); the rules say which kind. The
  model's sub-type heads are too weak to act on (GermEval fine macro-F1 0.47, Davidson hate-class
  F1 0.39) and a wrong `abuse.hate` blocks an author at once (R9), so the offensive score goes to
  the abuse kind the lexicon scored highest (max with its rule score), and to `abuse.insult`
  with weight UNCONFIRMED_OFFENSIVE_WEIGHT when the lexicon found no abuse at all;
- complaints: the model says "this is a complaint" (English only); the rules say which kind. The
  model's complaint evidence is split over product / customer service / social media in
  proportion to the rule scores, and each sub-label is the maximum of its rule score and its
  share. When no complaint rule fired, half the evidence goes to product: the head learnt from
  product reviews, where every text is about a product, and alone it takes questions ("is the
  store open tomorrow?") for complaints — it may confirm a weak lexical hit, not invent one;
- labels without training data (trivial, troll, aggression, blasphemy, conspiracy, threat,
  positive): the rule score unchanged;
- neutral and sentiment: recomputed from the merged labels with the lexicon's own formula.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.triage.domain.classification import Classification
from services.triage.domain.classifier import LexiconClassifier
from services.triage.domain.model.classifier import ModelClassifier, finish_scores

MODEL_ABUSE = ("abuse.insult", "abuse.hate", "abuse.profanity")
"""The labels the model spreads its offensive score over; their maximum is that score."""
ABUSE_KINDS = ("abuse.insult", "abuse.profanity", "abuse.aggression", "abuse.hate")
"""Lexicon abuse kinds the model's offensive score may confirm, least severe first on ties."""
UNCONFIRMED_OFFENSIVE_WEIGHT = 0.85
"""Share of the model's offensive score that counts when the lexicon saw no abuse at all."""
COMPLAINT_LABELS = ("complaint.product", "complaint.customer_service", "complaint.social_media")
UNCONFIRMED_COMPLAINT_WEIGHT = 0.5
"""Share of the model's complaint evidence that counts when no complaint rule fired."""


class HybridClassifier:
    """Implements the triage `Classifier` protocol by merging a ModelClassifier with rules."""

    def __init__(self, model: ModelClassifier, rules: LexiconClassifier) -> None:
        self._model = model
        self._rules = rules

    @property
    def version(self) -> str:
        """The model version; the rules carry their own version in the lexicon files."""
        return self._model.version

    def classify_batch(self, items: Sequence[tuple[str, str | None]]) -> list[Classification]:
        """Both classifiers run once per batch; results stay in input order."""
        if not items:
            return []
        learned = self._model.raw_batch(items)
        return [
            Classification(
                lang=lang, scores=merge_scores(scores, self._rules.classify_in(text, lang).scores)
            )
            for (text, _), (lang, scores) in zip(items, learned, strict=True)
        ]


def merge_scores(model: Mapping[str, float], rules: Mapping[str, float]) -> dict[str, float]:
    """Pure merge of one comment's two score maps (see the module docstring)."""
    merged = {k: float(v) for k, v in rules.items()}
    merged["abuse.spam"] = round(max(rules["abuse.spam"], model["abuse.spam"]), 4)
    offensive = max(model[label] for label in MODEL_ABUSE)
    kind = max(ABUSE_KINDS, key=lambda label: rules[label])
    if rules[kind] > 0:
        merged[kind] = round(max(rules[kind], offensive), 4)
    else:
        unconfirmed = UNCONFIRMED_OFFENSIVE_WEIGHT * offensive
        merged["abuse.insult"] = round(max(rules["abuse.insult"], unconfirmed), 4)
    complaint = model["complaint.product"]
    rule_total = sum(rules[label] for label in COMPLAINT_LABELS)
    for label in COMPLAINT_LABELS:
        if rule_total > 0:
            share = complaint * rules[label] / rule_total
        else:
            product = label == "complaint.product"
            share = UNCONFIRMED_COMPLAINT_WEIGHT * complaint if product else 0.0
        merged[label] = round(max(rules[label], share), 4)
    return finish_scores(merged)
