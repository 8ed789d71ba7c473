"""Sentence embeddings of the datasets, computed once per file and cached under var/cache.

Why a cache: embedding every training and evaluation text takes ~5 minutes on 2 cores, and
`make train` and `make eval` both need them. The key is the file's SHA-256 and the encoder's
version, so an edited file or a new encoder is embedded afresh.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from services.triage.domain.model.encoder import (
    DIMENSIONS,
    ENCODER_NAME,
    ENCODER_VERSION,
    F32,
    UseEncoder,
)

CACHE_DIR = Path(__file__).resolve().parents[2] / "var" / "cache" / "embeddings"
WORKERS = max(1, min(2, os.cpu_count() or 1))
_worker_encoder: UseEncoder | None = None


def _encode_part(texts: Sequence[str]) -> F32:
    global _worker_encoder
    if _worker_encoder is None:
        _worker_encoder = UseEncoder()
    return _worker_encoder.encode(texts)


def encode_texts(texts: Sequence[str], workers: int = WORKERS) -> F32:
    """Embed in `workers` processes (one BLAS thread each), results in input order."""
    if workers <= 1 or len(texts) < 2_000:
        return _encode_part(texts)
    step = -(-len(texts) // (workers * 4))
    parts = [texts[i : i + step] for i in range(0, len(texts), step)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return np.vstack(list(pool.map(_encode_part, parts)))


def cached(key_source: Path, texts: Sequence[str]) -> F32:
    """Embeddings of `texts` (all rows of `key_source`, in file order), from the cache if valid."""
    digest = hashlib.sha256(key_source.read_bytes()).hexdigest()[:16]
    path = CACHE_DIR / f"{ENCODER_NAME}-{ENCODER_VERSION}-{key_source.stem}-{digest}.npy"
    if path.is_file():
        stored = np.load(path, allow_pickle=False)
        if stored.shape[0] == len(texts):
            return np.asarray(stored, dtype=np.float32)
    print(f"embedding {len(texts)} texts of {key_source} ...", flush=True)
    vectors = encode_texts(texts)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors.astype(np.float16))
    return vectors


class CachedEncoder:
    """An `Encoder` that answers from the cached dataset embeddings and encodes only the rest.

    `make eval` scores ~130,000 texts; with their embeddings cached a re-run takes a minute
    instead of ten. The vectors are the ones the real encoder computed for the same texts.
    """

    name = "usem3-cached"

    def __init__(self, datasets: Sequence[str]) -> None:
        from steam_connect.training import data

        self._table: dict[str, F32] = {}
        for name in datasets:
            rows = data.load_rows(name)
            vectors = cached(data.path_of(name), [str(r["text"]) for r in rows])
            for row, vector in zip(rows, vectors, strict=True):
                self._table[str(row["text"])] = vector
        self._fallback: UseEncoder | None = None

    def encode(self, texts: Sequence[str]) -> F32:
        missing = [t for t in texts if t not in self._table]
        if missing:
            if self._fallback is None:
                self._fallback = UseEncoder()
            for text, vector in zip(missing, self._fallback.encode(missing), strict=True):
                self._table[text] = vector
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        return np.vstack([self._table[t] for t in texts]).astype(np.float32)
