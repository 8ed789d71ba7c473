"""Evaluate the shipped classifier: `python -m steam_connect.training.evaluate` (`make eval`).

Three kinds of table, each beside the published result where one exists:
- in-domain: the held-out dev part (crc32 id split) of every may-train set;
- cross-dataset: every evaluation-only set, whole — no shipped weight ever saw it or its source,
  so these predict behaviour on a brand page best;
- the project's brand-page set: the action the policy takes against the action a support team
  would take, and the precision of every hide, delete and block;
- agents' corrections, when `--feedback` (default var/feedback.ndjson, written by
  `steam-connect feedback export -o var/feedback.ndjson`) exists.
Every table scores the labels exactly as triage acts on them (the policy's thresholds), plus,
for the heads behind them, the calibrated model score alone at 0.5.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from services.triage.domain.classifier import LexiconClassifier
from services.triage.domain.labelling import Labeller
from services.triage.domain.model.artifact import DEFAULT_MODEL_DIR, DEFAULT_MODEL_NAME
from services.triage.domain.model.classifier import EncoderMode, ModelClassifier
from services.triage.domain.model.hybrid import HybridClassifier
from services.triage.domain.policy_loader import load_policy
from shared.settings import Settings
from steam_connect.training import brandpage_eval, data, feedback_eval
from steam_connect.training.metrics import multiclass_report

Row = dict[str, Any]
OFFENSIVE = ("abuse.insult", "abuse.hate", "abuse.profanity", "abuse.aggression", "threat")
COMPLAINT = ("complaint.product", "complaint.customer_service", "complaint.social_media")


@dataclass(frozen=True)
class Task:
    """One binary table: a dataset, a gold labelling, the labels and the head that predict it."""

    dataset: str
    title: str
    gold: Callable[[Row], int | None]
    labels: tuple[str, ...]
    head: str | None
    published: str


TASKS: tuple[Task, ...] = (
    Task(
        "germeval2018",
        "offensive",
        lambda r: int(r["offensive"]),
        OFFENSIVE,
        "offensive_de",
        "test: 0.768 winner, 0.807 GELECTRA",
    ),
    Task(
        "davidson2017",
        "offensive",
        lambda r: int(r["class"] != "neither"),
        OFFENSIVE,
        "offensive_en",
        "weighted F1 0.90 (3-class)",
    ),
    Task(
        "youtube_spam",
        "spam",
        lambda r: int(r["spam"]),
        ("abuse.spam",),
        "spam",
        "≈ 0.95 (10-fold CV)",
    ),
    Task("cesamard", "complaint", lambda r: int(r["complaint"]), COMPLAINT, "complaint", "—"),
    Task("gahd", "hate", lambda r: int(r["hate"]), ("abuse.hate",), "hate", "—"),
    Task(
        "implicit_hate", "threatening", lambda r: int(r["threatening"]), ("threat",), "threat", "—"
    ),
    Task(
        "isarcasmeval",
        "sarcastic",
        lambda r: int(r["sarcastic"]),
        (),
        "sarcasm",
        "test F1(sarcastic) ≈ 0.61 winner",
    ),
    Task(
        "olid",
        "offensive",
        lambda r: int(r["offensive"]),
        OFFENSIVE,
        "offensive_en",
        "test: 0.829 (BERT)",
    ),
    Task(
        "hasoc2019_en",
        "offensive",
        lambda r: int(r["hateful_or_offensive"]),
        OFFENSIVE,
        "offensive_en",
        "test: 0.78",
    ),
    Task(
        "hasoc2019_de",
        "offensive",
        lambda r: int(r["hateful_or_offensive"]),
        OFFENSIVE,
        "offensive_de",
        "test: 0.61",
    ),
    Task(
        "germeval2021",
        "toxic",
        lambda r: int(r["toxic"]),
        OFFENSIVE,
        "offensive_de",
        "test: ≈ 0.72 best teams",
    ),
    Task(
        "complaints2019",
        "complaint",
        lambda r: int(r["complaint"]),
        COMPLAINT,
        "complaint",
        "F1 ≈ 0.79 paper, 0.87 transformers",
    ),
    Task(
        "germeval2025_violence",
        "violence",
        lambda r: int(r["violence"]),
        ("threat",),
        "threat",
        "0.69 baseline, 0.82 top team",
    ),
    Task("ethos", "violence", lambda r: int(r["violence"]), ("threat",), "threat", "—"),
    Task(
        "gab_hate_corpus",
        "call for violence",
        lambda r: int(r["call_for_violence"]),
        ("threat",),
        "threat",
        "—",
    ),
    Task("gab_hate_corpus", "hate", lambda r: int(r["hate"]), ("abuse.hate",), "hate", "—"),
    Task("german_ytbot", "bot spam", lambda r: int(r["bot"]), ("abuse.spam",), "spam", "—"),
    Task("elf_troll", "troll", lambda r: int(r["troll"]), ("troll",), None, "—"),
)


@dataclass
class Scored:
    rows: list[Row]
    part: str
    labels: list[list[str]]
    langs: list[str]
    heads: dict[str, npt.NDArray[np.float32]]


def eval_rows(dataset: str) -> tuple[str, list[Row]]:
    """Dev part of a may-train set, the whole of an evaluation-only set."""
    rows = data.load_rows(dataset)
    if data.DATASETS[dataset].may_train:
        return "in-domain dev", data.split(rows, dev=True)
    return "cross-dataset", rows


def score(labeller: Labeller, model: ModelClassifier, dataset: str) -> Scored:
    part, rows = eval_rows(dataset)
    items: list[tuple[str, str | None]] = [(str(r["text"]), None) for r in rows]
    labelled = []
    for i in range(0, len(items), 1000):
        labelled += labeller.label_batch(items[i : i + 1000])
    heads = model.head_probabilities([t for t, _ in items])
    return Scored(rows, part, [x.labels for x in labelled], [x.lang for x in labelled], heads)


def task_report(task: Task, scored: Scored) -> dict[str, Any]:
    keep = [i for i, r in enumerate(scored.rows) if task.gold(r) is not None]
    gold = np.array([task.gold(scored.rows[i]) for i in keep], dtype=np.int64)
    out: dict[str, Any] = {"rows": len(keep), "positives": int(gold.sum())}
    if task.labels:
        pred = np.array([int(any(k in scored.labels[i] for k in task.labels)) for i in keep])
        out["labels"] = multiclass_report(gold, pred, 2)
    if task.head is not None:
        head = _head_scores(task.head, scored)[keep]
        out["head"] = multiclass_report(gold, (head >= 0.5).astype(np.int64), 2)
    return out


def _head_scores(head: str, scored: Scored) -> npt.NDArray[np.float32]:
    if head in ("offensive_de", "offensive_en"):
        de = np.array([lang == "de" for lang in scored.langs])
        return np.where(de, scored.heads["offensive_de"], scored.heads["offensive_en"])
    return scored.heads[head]


def print_task(task: Task, scored: Scored, report: dict[str, Any]) -> None:
    print(
        f"\n## {task.dataset} — {task.title} — {scored.part}, {report['rows']} rows "
        f"({report['positives']} positive); published: {task.published}"
    )
    for kind, name in (("labels", "labels as triage acts"), ("head", f"head {task.head} ≥ 0.5")):
        if kind not in report:
            continue
        r = report[kind]
        print(
            f"   {name:<34} macro-F1 {r['macro_f1']:.3f}  P(yes) {r['precision'][1]:.3f}"
            f"  R(yes) {r['recall'][1]:.3f}  confusion [[tn fp] [fn tp]] "
            f"{r['confusion']}"
        )


def evaluate(labeller: Labeller, model: ModelClassifier) -> dict[str, Any]:
    """Print every table; returns the numbers for docs/classifier.md."""
    cache: dict[str, Scored] = {}
    results: dict[str, Any] = {}
    for task in TASKS:
        if task.dataset not in cache:
            cache[task.dataset] = score(labeller, model, task.dataset)
        report = task_report(task, cache[task.dataset])
        print_task(task, cache[task.dataset], report)
        results[f"{task.dataset}:{task.title}"] = report
    results["brandpage"] = brandpage(labeller)
    return results


def brandpage(labeller: Labeller) -> dict[str, Any]:
    rows = data.load_rows(data.BRANDPAGE_EVAL)
    labelled = labeller.label_batch([(str(r["text"]), str(r["lang"])) for r in rows])
    outcomes = brandpage_eval.decide_all(rows, labelled, labeller.policy)
    result = brandpage_eval.summary(outcomes)
    print(
        f"\n## brand-page set — {result['rows']} comments (de + en), policy "
        f"{labeller.policy.version}"
    )
    print(
        f"   right action {result['right']}/{result['rows']} = {result['right_rate']:.3f}; "
        f"sent to a human first {result['review']}; removals {result['removals']}, "
        f"removal precision {result['removal_precision']:.3f}"
    )
    for name, counts in result["by_situation"].items():
        print(f"   {name:<22} " + "  ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    wrong = [o for o in outcomes if not o.right and not o.reviewed]
    for o in wrong[:400]:
        print(
            f"   ✗ {o.row['id']} expected {o.row['expected']:<22} got {o.decision.rule_id:<12}"
            f" labels {list(o.labels)}"
        )
    return result


def build(
    mode: EncoderMode, model_dir: Path, name: str, *, cached: bool = True
) -> tuple[Labeller, ModelClassifier]:
    """The labeller as triage builds it; the encoder answers from the embedding cache."""
    if cached and mode != "off":
        from services.triage.domain.model.artifact import load_model
        from steam_connect.training.embeddings import CachedEncoder

        encoder = CachedEncoder(sorted({t.dataset for t in TASKS} | {data.BRANDPAGE_EVAL}))
        model = ModelClassifier(load_model(model_dir, name), encoder, mode)
    else:
        model = ModelClassifier.load(model_dir, name, mode=mode)
    hybrid = HybridClassifier(model, LexiconClassifier.from_directory())
    return Labeller(hybrid, load_policy(Settings().policy_file)), model


def main(argv: list[str] | None = None) -> None:
    """Command-line entry for `make eval`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--name", default=DEFAULT_MODEL_NAME)
    parser.add_argument("--encoder", choices=("cascade", "always", "off"), default="cascade")
    parser.add_argument(
        "--feedback",
        type=Path,
        default=feedback_eval.DEFAULT_FEEDBACK,
        help="agents' corrections as exported by `steam-connect feedback export` (if present)",
    )
    parser.add_argument(
        "--only-feedback", action="store_true", help="score the corrections only (fast)"
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="embed every text afresh instead of reading var/cache/embeddings",
    )
    args = parser.parse_args(argv)
    cached = not args.no_cache and not args.only_feedback  # the cache is of the datasets
    labeller, model = build(args.encoder, args.model_dir, args.name, cached=cached)
    print(
        f"model {args.name} {model.version}, encoder {args.encoder}, "
        f"policy {labeller.policy.version}"
    )
    if not args.only_feedback:
        evaluate(labeller, model)
    if args.feedback.exists():
        rows = feedback_eval.load(args.feedback)
        feedback_eval.print_report(args.feedback, feedback_eval.evaluate(labeller, rows))
    elif args.only_feedback:
        raise SystemExit(f"{args.feedback} does not exist: run `steam-connect feedback export`")


if __name__ == "__main__":
    main()
