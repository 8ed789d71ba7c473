"""Train the shipped bilingual classifier: `python -m steam_connect.training.train`.

Only datasets whose licence allows a shipped model are used, and only their train part (the id-hash
dev split stays held out for `make eval`). Deterministic: fixed seeds, fixed solver, stable split.
"""

from __future__ import annotations

import argparse
import io
import json
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from services.triage.domain.model.artifact import (
    DEFAULT_MODEL_DIR,
    DEFAULT_MODEL_NAME,
    FORMAT,
    FORMAT_VERSION,
    model_paths,
    sha256_hex,
)
from services.triage.domain.model.features import FeatureSpec, featurize
from steam_connect.training import data
from steam_connect.training.metrics import binary_report, multiclass_report

SEED = 20240501
C_GRID = (2.0, 8.0, 32.0)
MODEL_VERSION = "1.0.0"
Row = dict[str, Any]


@dataclass(frozen=True)
class HeadData:
    """Texts and integer targets for one head, plus where they came from."""

    name: str
    texts: list[str]
    y: npt.NDArray[np.int64]
    classes: tuple[str, ...]
    sources: tuple[str, ...]


def _binary(name: str, ds: str, label: Callable[[Row], bool],
            keep: Callable[[Row], bool] | None = None) -> HeadData:
    """A head from one dataset's train part."""
    rows = data.split(data.load_rows(ds), dev=False, keep=keep)
    y = np.array([int(label(r)) for r in rows], dtype=np.int64)
    return HeadData(name, data.texts(rows), y, ("no", "yes"), (ds,))


def _language_head() -> HeadData:
    """German vs English: GermEval tweets against the English may-train sets."""
    de = data.split(data.load_rows("germeval2018"), dev=False)
    en: list[Row] = []
    for ds in ("davidson2017", "youtube_spam", "cesamard"):
        en += data.split(data.load_rows(ds), dev=False)
    rows = de + en
    y = np.array([1] * len(de) + [0] * len(en), dtype=np.int64)
    sources = ("germeval2018", "davidson2017", "youtube_spam", "cesamard")
    return HeadData("lang_de", data.texts(rows), y, ("en", "de"), sources)


def _with_negatives(head: HeadData, sources: tuple[str, ...], per_source: int) -> HeadData:
    """Adds other may-train sets' rows as negatives, so a head learns its topic, not its source.

    Trained alone, the spam head took every @mention and link for spam (YouTube spam is mostly
    links: 40 % of the complaint tweets in complaints2019 scored as spam, 6 % after), and the
    English offensive head, trained on tweets that are four-fifths offensive, flagged plain
    questions. Reviews and video comments that are neither teach it otherwise. (The same for the
    complaint head with tweets as negatives cost 0.2 macro-F1 on complaint tweets: not done.)
    """
    texts, y = list(head.texts), head.y.tolist()
    for ds in sources:
        rows = data.split(data.load_rows(ds), dev=False)
        rows = sorted(rows, key=lambda r: zlib.crc32(str(r["id"]).encode()))[:per_source]
        texts += data.texts(rows)
        y += [0] * len(rows)
    return HeadData(head.name, texts, np.array(y, dtype=np.int64), head.classes,
                    head.sources + sources)


def _fine_de_head() -> HeadData:
    """GermEval fine labels among offensive rows: abuse (group-directed), insult, profanity."""
    classes = ("abuse", "insult", "profanity")
    rows = data.split(data.load_rows("germeval2018"), dev=False, keep=lambda r: r["offensive"])
    y = np.array([classes.index(r["fine"]) for r in rows], dtype=np.int64)
    return HeadData("fine_de", data.texts(rows), y, classes, ("germeval2018",))


def head_data() -> list[HeadData]:
    """Every head's training data, in the order of the weight columns."""
    return [
        _language_head(),
        _binary("offensive_de", "germeval2018", lambda r: bool(r["offensive"])),
        _with_negatives(
            _binary("offensive_en", "davidson2017", lambda r: r["class"] != "neither"),
            ("cesamard", "youtube_spam"), per_source=2000,
        ),
        _fine_de_head(),
        _binary("hate_en", "davidson2017", lambda r: r["class"] == "hate",
                keep=lambda r: r["class"] != "neither"),
        _with_negatives(_binary("spam", "youtube_spam", lambda r: bool(r["spam"])),
                        ("davidson2017", "cesamard"), per_source=2000),
        _binary("complaint", "cesamard", lambda r: bool(r["complaint"])),
    ]


def _matrix(texts: list[str], spec: FeatureSpec) -> sparse.csr_matrix:
    """The same features the run time computes, as a scipy matrix."""
    rows = featurize(texts, spec)
    return sparse.csr_matrix(
        (rows.data, rows.indices, rows.indptr), shape=(rows.n_rows, spec.n_buckets)
    )


def _model(c: float, multiclass: bool) -> LogisticRegression:
    """Deterministic logistic regression; balanced classes so rare labels are not ignored."""
    if multiclass:
        return LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=SEED)
    return LogisticRegression(
        C=c, class_weight="balanced", solver="liblinear", max_iter=2000, random_state=SEED
    )


def _oof_scores(x: sparse.csr_matrix, y: npt.NDArray[np.int64], c: float,
                multiclass: bool) -> npt.NDArray[np.float64]:
    """Out-of-fold decision values, so thresholds and C are chosen without seeing the row."""
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    out = np.zeros((y.shape[0], len(set(y.tolist())) if multiclass else 1))
    for tr, te in folds.split(np.zeros(y.shape[0]), y):
        m = _model(c, multiclass).fit(x[tr], y[tr])
        out[te] = m.decision_function(x[te]).reshape(len(te), -1)
    return out


def _best_shift(scores: npt.NDArray[np.float64], y: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Decision threshold maximising macro-F1 on out-of-fold scores, and that F1."""
    candidates = np.quantile(scores, np.linspace(0.02, 0.98, 97))
    best = (0.0, binary_report(y, (scores > 0).astype(np.int64))["macro_f1"])
    for t in candidates:
        f1 = binary_report(y, (scores > t).astype(np.int64))["macro_f1"]
        if f1 > best[1] + 1e-9:
            best = (float(t), f1)
    return best


def fit_head(head: HeadData, spec: FeatureSpec) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Pick C and the threshold by 5-fold CV on the train part, then fit on all of it."""
    x = _matrix(head.texts, spec)
    multiclass = len(head.classes) > 2
    results = []
    for c in C_GRID:
        oof = _oof_scores(x, head.y, c, multiclass)
        if multiclass:
            f1 = multiclass_report(head.y, oof.argmax(axis=1), len(head.classes))["macro_f1"]
            results.append((f1, c, 0.0))
        else:
            shift, f1 = _best_shift(oof[:, 0], head.y)
            results.append((f1, c, shift))
    cv_f1, c, shift = max(results, key=lambda r: (r[0], -r[1]))
    model = _model(c, multiclass).fit(x, head.y)
    coef = model.coef_.T.astype(np.float32)
    bias = model.intercept_.astype(np.float32) - np.float32(shift)
    info = {"name": head.name, "kind": "softmax" if multiclass else "binary",
            "columns": [f"{head.name}.{k}" for k in head.classes] if multiclass else [head.name],
            "classes": list(head.classes), "trained_on": list(head.sources),
            "train_rows": int(head.y.shape[0]), "C": c, "threshold_shift": round(shift, 6),
            "cv_macro_f1": round(cv_f1, 4)}
    return coef, bias, info


def _npz_bytes(weights: np.ndarray, bias: np.ndarray) -> bytes:
    """Only non-zero bucket rows, as float16, compressed: small enough to commit."""
    w16 = weights.astype(np.float16)
    ids = np.flatnonzero(np.abs(w16).max(axis=1) > 0).astype(np.int32)
    buf = io.BytesIO()
    np.savez_compressed(buf, bucket_ids=ids, weights=w16[ids], bias=bias.astype(np.float32))
    return buf.getvalue()


def _training_data_manifest(heads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attribution and licence of every dataset that trained a shipped weight."""
    used = sorted({s for h in heads for s in h["trained_on"]})
    return [
        {"dataset": n, "file": data.DATASETS[n].path, "licence": data.DATASETS[n].licence,
         "attribution": data.DATASETS[n].attribution,
         "split": f"train part: crc32(id) % 100 >= {data.DEV_PERCENT}"}
        for n in used
    ]


def train(out_dir: Path, name: str, spec: FeatureSpec) -> dict[str, Any]:
    """Fit every head and write `<name>.npz` and `<name>.json`; returns the manifest."""
    np.random.seed(SEED)
    coefs, biases, heads = [], [], []
    for head in head_data():
        coef, bias, info = fit_head(head, spec)
        print(f"{info['name']:<13} C={info['C']:<4} cv macro-F1={info['cv_macro_f1']:.4f} "
              f"rows={info['train_rows']}")
        coefs.append(coef)
        biases.append(bias)
        heads.append(info)
    npz = _npz_bytes(np.hstack(coefs), np.concatenate(biases))
    manifest: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "name": name,
        "version": MODEL_VERSION, "npz_sha256": sha256_hex(npz), "features": asdict(spec),
        "heads": heads, "training_data": _training_data_manifest(heads),
        "seed": SEED, "trainer": "scikit-learn LogisticRegression, see docs/classifier.md",
    }
    from steam_connect.training.evaluate import dev_metrics_for_manifest

    manifest["metrics_dev_split"] = dev_metrics_for_manifest(manifest, npz)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest_path, npz_path = model_paths(out_dir, name)
    npz_path.write_bytes(npz)
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {npz_path} ({len(npz) / 1e6:.2f} MB) and {manifest_path}")
    return manifest


def main(argv: list[str] | None = None) -> None:
    """Command-line entry for `make train`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--name", default=DEFAULT_MODEL_NAME)
    parser.add_argument("--buckets", type=int, default=FeatureSpec().n_buckets)
    args = parser.parse_args(argv)
    train(args.out, args.name, FeatureSpec(n_buckets=args.buckets))


if __name__ == "__main__":
    main()
