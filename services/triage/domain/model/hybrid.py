"""Model scores where we have training data, transparent lexicon rules everywhere else.

Merge rules (documented in docs/classifier.md, one line each here):
- language: the model's language head (more robust than stopword counts); the rules classifier is
  given it as the fallback language;
- labels the model was trained for (abuse.spam, abuse.insult, abuse.hate, abuse.profanity):
  the maximum of model and rule score, so an explicit lexicon hit is never lost;
- complaints: the model says "this is a complaint" (English only); the rules say which kind. The
  model's complaint evidence is split over product / customer service / social media in
  proportion to the rule scores (all of it to product when no rule fired), and each sub-label is
  the maximum of its rule score and its share;
- labels without training data (trivial, troll, aggression, blasphemy, conspiracy, threat,
  positive): the rule score unchanged;
- neutral and sentiment: recomputed from the merged labels with the lexicon's own formula.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.triage.domain.classification import Classification, Classifier
from services.triage.domain.model.classifier import ModelClassifier, finish_scores

MODEL_LABELS = ("abuse.spam", "abuse.insult", "abuse.hate", "abuse.profanity")
COMPLAINT_LABELS = ("complaint.product", "complaint.customer_service", "complaint.social_media")


class HybridClassifier:
    """Implements the triage `Classifier` protocol by merging a ModelClassifier with rules."""

    def __init__(self, model: ModelClassifier, rules: Classifier) -> None:
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
        learned = self._model.classify_batch(items)
        ruled = self._rules.classify_batch(
            [(text, m.lang) for (text, _), m in zip(items, learned, strict=True)]
        )
        if len(ruled) != len(items):
            raise RuntimeError(
                f"rules classifier returned {len(ruled)} results for {len(items)} comments"
            )
        return [
            Classification(lang=m.lang, scores=merge_scores(m.scores, r.scores))
            for m, r in zip(learned, ruled, strict=True)
        ]


def merge_scores(model: Mapping[str, float], rules: Mapping[str, float]) -> dict[str, float]:
    """Pure merge of one comment's two score maps (see the module docstring)."""
    merged = {k: float(v) for k, v in rules.items()}
    for label in MODEL_LABELS:
        merged[label] = max(rules[label], model[label])
    complaint = model["complaint.product"]
    rule_total = sum(rules[label] for label in COMPLAINT_LABELS)
    for label in COMPLAINT_LABELS:
        if rule_total > 0:
            share = complaint * rules[label] / rule_total
        else:
            share = complaint if label == "complaint.product" else 0.0
        merged[label] = round(max(rules[label], share), 4)
    return finish_scores(merged)
