"""Evaluate the shipped classifier: `python -m steam_connect.training.evaluate`.

May-train datasets are scored on their held-out dev part only (never on rows the model saw);
evaluation-only datasets are scored whole. Each table sits beside the published baseline.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from services.triage.domain.classification import Classification
from services.triage.domain.model.artifact import (
    DEFAULT_MODEL_DIR,
    DEFAULT_MODEL_NAME,
    parse_model,
)
from services.triage.domain.model.classifier import ModelClassifier
from services.triage.domain.model.hybrid import HybridClassifier
from services.triage.domain.policy_loader import load_policy
from shared.settings import Settings
from steam_connect.training import data
from steam_connect.training.metrics import multiclass_report

Row = dict[str, Any]
Probs = dict[str, npt.NDArray[np.float32]]
OFFENSIVE_LABELS = ("abuse.insult", "abuse.hate", "abuse.profanity", "abuse.aggression", "threat")


@dataclass(frozen=True)
class Task:
    """One table: a dataset part, a gold labelling and a prediction rule."""

    title: str
    dataset: str
    classes: tuple[str, ...]
    gold: Callable[[Row], int]
    predict: Callable[[Probs, list[Classification]], npt.NDArray[np.int64]]
    baseline: str
    needs_rules: bool = False


def _over(name: str, t: float = 0.5) -> Callable[[Probs, list[Classification]], Any]:
    return lambda p, _c: (p[name] > t).astype(np.int64)


def _offensive_by_lang(p: Probs, c: list[Classification]) -> npt.NDArray[np.int64]:
    """The offensive head of the language the classifier chose for each comment."""
    de = np.array([x.lang == "de" for x in c])
    return (np.where(de, p["offensive_de"], p["offensive_en"]) > 0.5).astype(np.int64)


POLICY_THRESHOLDS: dict[str, float] = {}
"""The live policy's thresholds, loaded by `main`: hybrid tables score what triage acts on."""


def _labels_over(labels: Sequence[str]) -> Callable[[Probs, list[Classification]], Any]:
    """Positive when any of `labels` passes its policy threshold, exactly as triage labels it."""

    def predict(_p: Probs, c: list[Classification]) -> Any:
        return np.array(
            [any(x.scores[k] >= POLICY_THRESHOLDS.get(k, 0.5) for k in labels) for x in c],
            np.int64,
        )

    return predict


def _germeval_fine(p: Probs, _c: list[Classification]) -> npt.NDArray[np.int64]:
    fine = np.stack([p["fine_de.abuse"], p["fine_de.insult"], p["fine_de.profanity"]], axis=1)
    return np.where(p["offensive_de"] > 0.5, fine.argmax(axis=1) + 1, 0).astype(np.int64)


def _davidson3(p: Probs, _c: list[Classification]) -> npt.NDArray[np.int64]:
    off = p["offensive_en"] > 0.5
    return np.where(off, np.where(p["hate_en"] > 0.5, 2, 1), 0).astype(np.int64)


NO_YES = ("no", "yes")
FINE = ("other", "abuse", "insult", "profanity")
TASKS: tuple[Task, ...] = (
    Task("offensive vs not (model head)", "germeval2018", NO_YES,
         lambda r: int(r["offensive"]), _over("offensive_de"),
         "GermEval 2018 test: macro-F1 76.77 (winner), 80.70 (GELECTRA-large)"),
    Task("fine 4-class (model heads)", "germeval2018", FINE, lambda r: FINE.index(r["fine"]),
         _germeval_fine, "GermEval 2018 fine test: macro-F1 52.71 (winner), 55.16 later"),
    Task("offensive vs not (model head)", "davidson2017", NO_YES,
         lambda r: int(r["class"] != "neither"), _over("offensive_en"),
         "Davidson 2017: weighted F1 0.90 (3-class, authors' 10 %)"),
    Task("neither/offensive/hate (model heads)", "davidson2017", ("neither", "offensive", "hate"),
         lambda r: ("neither", "offensive", "hate").index(r["class"]), _davidson3,
         "Davidson 2017: hate-class F1 0.51"),
    Task("spam vs not (model head)", "youtube_spam", NO_YES, lambda r: int(r["spam"]),
         _over("spam"), "YouTube spam: accuracy/F1 ~0.95 (10-fold CV)"),
    Task("complaint vs not (model head)", "cesamard", NO_YES, lambda r: int(r["complaint"]),
         _over("complaint"), "no published figure in the README"),
    Task("offensive vs not (model head)", "olid", NO_YES, lambda r: int(r["offensive"]),
         _offensive_by_lang, "OffensEval 2019 A test: macro-F1 0.829 (BERT)"),
    Task("offensive vs not (model head)", "hasoc2019_en", NO_YES,
         lambda r: int(r["hateful_or_offensive"]), _offensive_by_lang,
         "HASOC 2019 A English: macro-F1 0.78"),
    Task("offensive vs not (model head)", "hasoc2019_de", NO_YES,
         lambda r: int(r["hateful_or_offensive"]), _offensive_by_lang,
         "HASOC 2019 A German: macro-F1 0.61"),
    Task("complaint vs not (model head)", "complaints2019", NO_YES,
         lambda r: int(r["complaint"]), _over("complaint"),
         "Preotiuc-Pietro 2019: F1 ~0.79; 0.87 macro-F1 with transformers"),
    Task("offensive vs not (hybrid labels)", "germeval2018", NO_YES,
         lambda r: int(r["offensive"]), _labels_over(OFFENSIVE_LABELS), "as above", True),
    Task("offensive vs not (hybrid labels)", "olid", NO_YES, lambda r: int(r["offensive"]),
         _labels_over(OFFENSIVE_LABELS), "as above", True),
    Task("complaint vs not (hybrid labels)", "complaints2019", NO_YES,
         lambda r: int(r["complaint"]), _labels_over(
             ("complaint.product", "complaint.customer_service", "complaint.social_media")),
         "as above", True),
    Task("threat vs not (hybrid, lexicon only)", "germeval2025_violence", NO_YES,
         lambda r: int(r["violence"]), _labels_over(("threat",)),
         "GermEval 2025 violence: macro-F1 0.69 (baseline), 0.82 (top team)", True),
)


def eval_rows(dataset: str) -> tuple[str, list[Row]]:
    """Dev part of a may-train set, the whole of an evaluation-only set."""
    rows = data.load_rows(dataset)
    if data.DATASETS[dataset].may_train:
        return "dev split (held out)", data.split(rows, dev=True)
    return "whole file (evaluation only)", rows


def run_task(task: Task, rows: list[Row], probs: Probs,
             classes: list[Classification]) -> dict[str, Any]:
    """Metrics of one task on precomputed model outputs."""
    gold = np.array([task.gold(r) for r in rows], dtype=np.int64)
    return multiclass_report(gold, task.predict(probs, classes), len(task.classes))


def language_accuracy(rows: list[Row], classes: list[Classification]) -> float:
    """Share of rows whose detected language equals the dataset's language (no fallback given)."""
    return float(np.mean([c.lang == r["lang"] for r, c in zip(rows, classes, strict=True)]))


def dev_metrics_for_manifest(manifest: dict[str, Any], npz: bytes) -> dict[str, Any]:
    """Head-level dev-split metrics stored in the manifest by `train`."""
    model = ModelClassifier(parse_model(json.dumps(manifest).encode(), npz, source="<training>"))
    out: dict[str, Any] = {}
    for task in TASKS:
        if task.needs_rules or not data.DATASETS[task.dataset].may_train:
            continue
        _, rows = eval_rows(task.dataset)
        items = [(str(r["text"]), None) for r in rows]
        report = run_task(task, rows, model.head_probabilities([t for t, _ in items]),
                          model.classify_batch(items))
        out[f"{task.dataset}: {task.title}"] = {
            "rows": len(rows), "macro_f1": round(report["macro_f1"], 4),
            "f1": dict(zip(task.classes, (round(f, 4) for f in report["f1"]), strict=True)),
        }
    return out


def print_report(task: Task, part: str, report: dict[str, Any], n: int) -> None:
    """One table in the layout `make eval` prints."""
    print(f"\n## {task.dataset} — {task.title} — {part}, {n} rows")
    print(f"   baseline: {task.baseline}")
    print(f"   {'class':<12}{'precision':>10}{'recall':>10}{'F1':>10}{'support':>10}")
    for k, name in enumerate(task.classes):
        print(f"   {name:<12}{report['precision'][k]:>10.3f}{report['recall'][k]:>10.3f}"
              f"{report['f1'][k]:>10.3f}{report['support'][k]:>10}")
    print(f"   macro-F1 {report['macro_f1']:.4f}"
          f"  (GermEval-style {report['macro_f1_germeval']:.4f})"
          f"  accuracy {report['accuracy']:.4f}")
    print("   confusion (rows gold, columns predicted): " + "  ".join(task.classes))
    for k, line in enumerate(report["confusion"]):
        print(f"   {task.classes[k]:<12}" + "".join(f"{v:>10}" for v in line))


def evaluate(model: ModelClassifier, hybrid: HybridClassifier | None) -> None:
    """Print every task's table and the language accuracy per dataset."""
    cache: dict[str, tuple[str, list[Row], Probs, list[Classification], list[Classification]]] = {}
    for task in TASKS:
        if task.needs_rules and hybrid is None:
            continue
        if task.dataset not in cache:
            part, rows = eval_rows(task.dataset)
            items: list[tuple[str, str | None]] = [(str(r["text"]), None) for r in rows]
            mixed = hybrid.classify_batch(items) if hybrid else []
            cache[task.dataset] = (part, rows, model.head_probabilities([t for t, _ in items]),
                                   model.classify_batch(items), mixed)
        part, rows, probs, plain, mixed = cache[task.dataset]
        report = run_task(task, rows, probs, mixed if task.needs_rules else plain)
        print_report(task, part, report, len(rows))
    print("\n## language detection (model head, no fallback language given)")
    for name, (part, rows, _p, plain, _m) in cache.items():
        print(f"   {name:<24}{part:<30}accuracy {language_accuracy(rows, plain):.4f}")


def main(argv: list[str] | None = None) -> None:
    """Command-line entry for `make eval`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--name", default=DEFAULT_MODEL_NAME)
    parser.add_argument("--no-rules", action="store_true", help="skip the hybrid (lexicon) tables")
    args = parser.parse_args(argv)
    model = ModelClassifier.load(args.model_dir, args.name)
    policy = load_policy(Settings().policy_file)
    POLICY_THRESHOLDS.update(policy.thresholds)
    hybrid = None
    if not args.no_rules:
        from services.triage.domain.classifier import LexiconClassifier

        hybrid = HybridClassifier(model, LexiconClassifier.from_directory())
    print(f"model {args.name} version {model.version}; policy {policy.version} thresholds")
    evaluate(model, hybrid)


if __name__ == "__main__":
    main()
