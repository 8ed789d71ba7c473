"""The shipped model format: a JSON manifest plus an .npz of plain arrays, loaded without pickle.

The manifest pins the SHA-256 of the .npz, the featuriser parameters and the output columns, so a
truncated, swapped or hand-edited file is refused at start-up with a reason instead of scoring
comments with the wrong weights.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from services.triage.domain.model.features import FeatureSpec

FORMAT = "steam-connect-classifier"
FORMAT_VERSION = 2
ARRAYS = ("bucket_ids", "weights", "bias", "enc_weights", "enc_bias", "calibration")
CALIBRATION_COLUMNS = 4
"""Per column: Platt (a, b) for the n-gram score alone, then (a, b) for the fused score."""
HEAD_KINDS = ("binary", "softmax")
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models"
DEFAULT_MODEL_NAME = "bilingual-v2"


class ModelLoadError(RuntimeError):
    """The model files are missing, tampered with or from an incompatible version."""


@dataclass(frozen=True)
class Head:
    """One trained output: a binary logit or a softmax over several columns."""

    name: str
    kind: str
    columns: tuple[str, ...]
    fused: bool = False
    """Scored by n-grams and the sentence encoder together (binary heads only)."""


@dataclass(frozen=True)
class LoadedModel:
    """Dense weights ready for scoring, plus the manifest they were checked against."""

    spec: FeatureSpec
    heads: tuple[Head, ...]
    columns: tuple[str, ...]
    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    enc_weights: npt.NDArray[np.float32]
    """(encoder dimensions × columns); zero columns for heads that are not fused."""
    enc_bias: npt.NDArray[np.float32]
    calibration: npt.NDArray[np.float32]
    """(columns × 4): Platt a, b for the n-gram score, then for the fused score."""
    manifest: dict[str, Any]

    @property
    def version(self) -> str:
        """Model version, recorded with every classification for audits."""
        return str(self.manifest.get("version", "unknown"))


def model_paths(directory: Path, name: str) -> tuple[Path, Path]:
    """The manifest and weight file of a named model."""
    return directory / f"{name}.json", directory / f"{name}.npz"


def sha256_hex(data: bytes) -> str:
    """Digest pinned in the manifest."""
    return hashlib.sha256(data).hexdigest()


def load_model(directory: Path = DEFAULT_MODEL_DIR, name: str = DEFAULT_MODEL_NAME) -> LoadedModel:
    """Read and verify a shipped model; every failure names the file and what to do about it."""
    manifest_path, npz_path = model_paths(directory, name)
    try:
        manifest_bytes = manifest_path.read_bytes()
        npz_bytes = npz_path.read_bytes()
    except OSError as exc:
        raise ModelLoadError(
            f"cannot read classifier model {name!r} in {directory}: {exc}; "
            "run `make train` or check the package installation"
        ) from exc
    return parse_model(manifest_bytes, npz_bytes, source=str(npz_path))


def parse_model(manifest_bytes: bytes, npz_bytes: bytes, *, source: str) -> LoadedModel:
    """Validate manifest and arrays in memory (pure apart from numpy parsing)."""
    manifest = _parse_manifest(manifest_bytes, source)
    digest = sha256_hex(npz_bytes)
    if digest != manifest["npz_sha256"]:
        raise ModelLoadError(
            f"{source}: SHA-256 {digest} does not match the manifest ({manifest['npz_sha256']}); "
            "the weight file was modified or belongs to another model version"
        )
    spec = _parse_spec(manifest, source)
    heads = tuple(
        Head(h["name"], h["kind"], tuple(h["columns"]), bool(h.get("fused", False)))
        for h in manifest["heads"]
    )
    columns = tuple(c for h in heads for c in h.columns)
    arrays = _arrays(npz_bytes, source)
    weights, bias = _dense_weights(arrays, spec, len(columns), source)
    enc_weights, enc_bias, calibration = _encoder_arrays(arrays, manifest, len(columns), source)
    return LoadedModel(
        spec, heads, columns, weights, bias, enc_weights, enc_bias, calibration, manifest
    )


def _parse_manifest(raw: bytes, source: str) -> dict[str, Any]:
    """Decode the manifest and check the fields the loader relies on."""
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"manifest of {source} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict):
        raise ModelLoadError(f"manifest of {source} must be a JSON object")
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise ModelLoadError(
            f"manifest of {source} has format {manifest.get('format')!r} "
            f"v{manifest.get('format_version')!r}; this code reads {FORMAT!r} v{FORMAT_VERSION}"
        )
    for key in ("npz_sha256", "features", "heads", "version", "encoder", "cascade_band"):
        if key not in manifest:
            raise ModelLoadError(f"manifest of {source} lacks {key!r}")
    for head in manifest["heads"]:
        if head.get("kind") not in HEAD_KINDS or not head.get("columns") or not head.get("name"):
            raise ModelLoadError(f"manifest of {source} has an invalid head: {head!r}")
    return manifest


def _parse_spec(manifest: dict[str, Any], source: str) -> FeatureSpec:
    """Rebuild the featuriser spec; a version mismatch would silently ruin every score."""
    try:
        spec = FeatureSpec(**manifest["features"])
    except (TypeError, ValueError) as exc:
        raise ModelLoadError(f"manifest of {source} has invalid features: {exc}") from exc
    if spec.version != FeatureSpec().version:
        raise ModelLoadError(
            f"{source} was trained with featuriser {spec.version!r}, "
            f"this code computes {FeatureSpec().version!r}; retrain with `make train`"
        )
    return spec


def _arrays(npz_bytes: bytes, source: str) -> dict[str, npt.NDArray[Any]]:
    try:
        with np.load(io.BytesIO(npz_bytes), allow_pickle=False) as npz:
            return {k: npz[k] for k in ARRAYS}
    except (KeyError, ValueError, OSError) as exc:
        raise ModelLoadError(f"{source} is not a valid weight archive: {exc}") from exc


def _encoder_arrays(
    arrays: dict[str, npt.NDArray[Any]], manifest: dict[str, Any], n_columns: int, source: str
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """The encoder half of every column and the calibration, checked against the manifest."""
    dims = int(manifest["encoder"].get("dimensions", 0))
    enc_w, enc_b, calib = arrays["enc_weights"], arrays["enc_bias"], arrays["calibration"]
    if (
        enc_w.shape != (dims, n_columns)
        or enc_b.shape != (n_columns,)
        or calib.shape != (n_columns, CALIBRATION_COLUMNS)
    ):
        raise ModelLoadError(
            f"{source}: encoder arrays {enc_w.shape}, {enc_b.shape}, {calib.shape} do not fit "
            f"{dims} dimensions × {n_columns} columns"
        )
    if not (np.isfinite(enc_w).all() and np.isfinite(enc_b).all() and np.isfinite(calib).all()):
        raise ModelLoadError(f"{source}: encoder weights contain NaN or infinity")
    return enc_w.astype(np.float32), enc_b.astype(np.float32), calib.astype(np.float32)


def _dense_weights(
    arrays: dict[str, npt.NDArray[Any]], spec: FeatureSpec, n_columns: int, source: str
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Expand the stored non-zero rows into a (buckets × columns) float32 matrix."""
    ids, stored, bias = arrays["bucket_ids"], arrays["weights"], arrays["bias"]
    if (
        ids.ndim != 1
        or stored.shape != (ids.shape[0], n_columns)
        or bias.shape != (n_columns,)
        or not np.issubdtype(ids.dtype, np.integer)
        or (ids.size and (ids.min() < 0 or ids.max() >= spec.n_buckets))
    ):
        raise ModelLoadError(
            f"{source}: array shapes {ids.shape}, {stored.shape}, {bias.shape} do not fit "
            f"{spec.n_buckets} buckets × {n_columns} columns"
        )
    if not (np.isfinite(stored).all() and np.isfinite(bias).all()):
        raise ModelLoadError(f"{source}: weights contain NaN or infinity")
    weights = np.zeros((spec.n_buckets, n_columns), dtype=np.float32)
    weights[ids] = stored.astype(np.float32)
    return weights, bias.astype(np.float32)


def logistic(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Numerically safe sigmoid."""
    out: npt.NDArray[np.float32] = (0.5 * (1.0 + np.tanh(0.5 * x))).astype(np.float32)
    return out
