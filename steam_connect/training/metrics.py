"""Precision, recall, F1 and confusion matrices, in plain numpy so the numbers are easy to audit."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

Labels = npt.NDArray[np.int64]


def confusion(y: Labels, pred: Labels, n_classes: int) -> npt.NDArray[np.int64]:
    """Rows are the gold class, columns the predicted class."""
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y, pred), 1)
    return matrix


def multiclass_report(y: Labels, pred: Labels, n_classes: int) -> dict[str, Any]:
    """Per-class P/R/F1, macro-F1 (mean of F1s) and GermEval's harmonic-mean variant."""
    matrix = confusion(y, pred, n_classes)
    tp = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0).astype(np.float64)
    gold = matrix.sum(axis=1).astype(np.float64)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, gold, out=np.zeros_like(tp), where=gold > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    macro_p, macro_r = float(precision.mean()), float(recall.mean())
    harmonic = 2 * macro_p * macro_r / (macro_p + macro_r) if macro_p + macro_r else 0.0
    return {
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "f1": f1.tolist(),
        "support": gold.astype(int).tolist(),
        "macro_f1": float(f1.mean()),
        "macro_f1_germeval": harmonic,
        "accuracy": float(tp.sum() / max(1.0, gold.sum())),
        "confusion": matrix.tolist(),
    }


def binary_report(y: Labels, pred: Labels) -> dict[str, Any]:
    """The two-class case (0 = negative, 1 = positive)."""
    return multiclass_report(y, pred, 2)
