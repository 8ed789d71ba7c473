"""The featuriser shared by training and run time: deterministic and independent of batch mates."""

from __future__ import annotations

import numpy as np
import pytest

from services.triage.domain.model.features import FeatureSpec, featurize, normalize

SPEC = FeatureSpec(n_buckets=2**12)


def row(texts: list[str], i: int) -> dict[int, float]:
    rows = featurize(texts, SPEC)
    lo, hi = rows.indptr[i], rows.indptr[i + 1]
    out: dict[int, float] = {}
    for idx, value in zip(rows.indices[lo:hi].tolist(), rows.data[lo:hi].tolist(), strict=True):
        out[idx] = out.get(idx, 0.0) + value
    return out


def test_a_text_gets_the_same_features_whatever_its_neighbours() -> None:
    alone = row(["Das ist kaputt!"], 0)
    assert row(["hello there", "Das ist kaputt!", ""], 1) == pytest.approx(alone)


def test_hashing_is_stable_across_calls() -> None:
    first = featurize(["Grüße aus Köln 🙂"], SPEC)
    second = featurize(["Grüße aus Köln 🙂"], SPEC)
    assert np.array_equal(first.indices, second.indices)
    assert first.indices.max() < SPEC.n_buckets


def test_each_block_is_unit_length_so_rows_have_norm_one() -> None:
    rows = featurize(["a longer text with several words", "kurz"], SPEC)
    for i in range(rows.n_rows):
        values = rows.data[rows.indptr[i] : rows.indptr[i + 1]]
        assert float(np.sum(values.astype(np.float64) ** 2)) == pytest.approx(1.0, abs=1e-5)


def test_normalize_folds_urls_mentions_digits_and_letter_runs() -> None:
    assert normalize("@Shop SOOOOO bad!!! see https://x.y/z 2024", 100) == (
        "@user sooo bad!!! see httpurl 0"
    )


def test_invalid_spec_is_rejected() -> None:
    with pytest.raises(ValueError, match="power of two"):
        FeatureSpec(n_buckets=1000)
