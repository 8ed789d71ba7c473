"""The trained bilingual classifier: numpy-only run time over shipped, hash-pinned weights."""

from services.triage.domain.model.artifact import LoadedModel, ModelLoadError, load_model
from services.triage.domain.model.classifier import ModelClassifier
from services.triage.domain.model.hybrid import HybridClassifier, merge_scores

__all__ = [
    "HybridClassifier",
    "LoadedModel",
    "ModelClassifier",
    "ModelLoadError",
    "load_model",
    "merge_scores",
]
