"""Model scores first; the lexicon rules as transparent overrides with their own rule ids.

Merge rules (documented in docs/classifier.md, one line each here):
- language: the model's language head; the rules score the text with that language's lexicon;
- threat, spam: the maximum of model and rule score — an explicit lexicon hit ("ich bring euch
  um", a phishing pattern) is never lost, and the model catches what no pattern names;
- hate: the model's hate head; a lexicon slur counts only as far as the model finds the text
  offensive (a customer quoting a slur to complain about it is not hate speech);
- insult / profanity / aggression: the model says *whether* the text is offensive; the lexicon
  says *which kind* when it saw one (so a swear word in a complaint is profanity, not an insult
  aimed at a person); otherwise German splits by GermEval's fine head and English is insult;
- complaints: the model says *whether*; the lexicon's kind scores split the evidence over
  product / customer service / social media (product when no kind rule fired);
- positive: praise evidence from either side, discounted by the complaint evidence — sarcastic
  praise ("great job, third broken charger") is a complaint;
- troll, conspiracy: the maximum of model and rule score (the heads learn from the project's
  seed set only: thin data, so a lexicon hit is kept);
- trivial, blasphemy: the rule score (a trivial head called refund demands trivial; no data
  for blasphemy);
- neutral and sentiment: recomputed from the merged labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.triage.domain.classification import Classification
from services.triage.domain.classifier import LexiconClassifier
from services.triage.domain.model.classifier import ModelClassifier, finish_scores

KIND_LABELS = ("abuse.insult", "abuse.profanity", "abuse.aggression")
"""Abuse kinds the lexicon may name for the model's offensive score, least severe first on ties."""
COMPLAINT_LABELS = ("complaint.product", "complaint.customer_service", "complaint.social_media")
OVERRIDES = ("threat", "abuse.spam", "troll", "abuse.conspiracy")
"""Labels where a lexicon hit alone may carry the score."""


class HybridClassifier:
    """Implements the triage `Classifier` protocol by merging a ModelClassifier with rules."""

    def __init__(self, model: ModelClassifier, rules: LexiconClassifier) -> None:
        self._model = model
        self._rules = rules

    @property
    def version(self) -> str:
        """The model version; the rules carry their own version in the lexicon files."""
        return self._model.version

    @property
    def model(self) -> ModelClassifier:
        return self._model

    @property
    def rules(self) -> LexiconClassifier:
        return self._rules

    def classify_batch(self, items: Sequence[tuple[str, str | None]]) -> list[Classification]:
        """Both classifiers run once per batch; results stay in input order."""
        if not items:
            return []
        learned = self._model.raw_batch(items)
        return [
            Classification(
                lang=lang, scores=merge_scores(scores, self._rules.classify_in(text, lang).scores)
            )
            for (text, _), (lang, scores, _heads) in zip(items, learned, strict=True)
        ]


def merge_scores(model: Mapping[str, float], rules: Mapping[str, float]) -> dict[str, float]:
    """Pure merge of one comment's two score maps (see the module docstring)."""
    merged = {k: float(v) for k, v in rules.items()}
    for label in OVERRIDES:
        merged[label] = max(rules[label], model[label])
    offensive = max(model[label] for label in ("abuse.insult", "abuse.profanity"))
    merged["abuse.hate"] = max(model["abuse.hate"], min(rules["abuse.hate"], offensive))
    kind = max(KIND_LABELS, key=lambda label: rules[label])
    if rules[kind] > 0:
        merged[kind] = max(rules[kind], offensive)
    else:
        for label in ("abuse.insult", "abuse.profanity"):
            merged[label] = max(rules[label], model[label])
    complaint = model["complaint.product"]
    rule_total = sum(rules[label] for label in COMPLAINT_LABELS)
    for label in COMPLAINT_LABELS:
        if rule_total > 0:
            share = complaint * rules[label] / rule_total
        else:
            share = complaint if label == "complaint.product" else 0.0
        merged[label] = max(rules[label], share)
    strongest_complaint = max(merged[label] for label in COMPLAINT_LABELS)
    praise = max(model["positive"], rules["positive"])
    merged["positive"] = praise * (1.0 - strongest_complaint)
    return finish_scores({k: round(v, 4) for k, v in merged.items()})
