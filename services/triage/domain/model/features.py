"""Hashed word and character n-gram features, shared by training and run time so they cannot drift.

Why our own hashing instead of scikit-learn's HashingVectorizer: run time then needs only numpy,
and the character n-grams of a whole batch are hashed in a few vectorised passes (no Python loop
per n-gram), which is what makes thousands of comments per second possible on one core.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]

FEATURIZER_VERSION = "sc-hash-2"

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_DIGITS = re.compile(r"\d+")
_REPEAT = re.compile(r"(.)\1{3,}")
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")

_POLY = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_WORD_SALT = np.uint64(0x9E3779B97F4A7C15)
_BIGRAM_SALT = np.uint64(0xC2B2AE3D27D4EB4F)


@dataclass(frozen=True)
class FeatureSpec:
    """The featuriser's parameters; stored in the model manifest and checked on load."""

    n_buckets: int = 2**18
    char_min: int = 2
    char_max: int = 5
    word_bigrams: bool = True
    max_chars: int = 1000
    version: str = FEATURIZER_VERSION

    def __post_init__(self) -> None:
        if self.n_buckets <= 0 or self.n_buckets & (self.n_buckets - 1):
            raise ValueError(f"n_buckets must be a power of two, got {self.n_buckets}")
        if not 1 <= self.char_min <= self.char_max <= 8:
            raise ValueError(f"char n-gram range invalid: {self.char_min}..{self.char_max}")


@dataclass(frozen=True)
class SparseRows:
    """A CSR matrix as three arrays (row pointers, bucket indices, L2-normalised values)."""

    indptr: I64
    indices: I64
    data: F32

    @property
    def n_rows(self) -> int:
        """Number of texts featurised."""
        return int(self.indptr.shape[0] - 1)


def normalize(text: str, max_chars: int) -> str:
    """Fold case, URLs, mentions, digits and letter runs so noise does not split features."""
    text = _URL.sub(" httpurl ", text[: max_chars * 2].lower())
    text = _MENTION.sub(" @user ", text)
    text = _DIGITS.sub("0", text)
    text = _REPEAT.sub(r"\1\1\1", text)
    return _SPACE.sub(" ", text).strip()[:max_chars]


def _mix(h: U64, salt: np.uint64) -> U64:
    """splitmix64 finaliser: spreads polynomial hashes evenly over the buckets."""
    h = h ^ salt
    h = (h ^ (h >> np.uint64(30))) * _MIX1
    h = (h ^ (h >> np.uint64(27))) * _MIX2
    return h ^ (h >> np.uint64(31))


def _char_features(texts: Sequence[str], spec: FeatureSpec) -> tuple[I64, U64]:
    """Row ids and hashes of every character n-gram, texts separated by NUL in one array."""
    joined = "\x00" + "\x00".join(f" {t} " for t in texts) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    is_sep = codes == 0
    seps_before = np.cumsum(is_sep, dtype=np.int64)
    rows: list[I64] = []
    hashes: list[U64] = []
    with np.errstate(over="ignore"):
        for n in range(spec.char_min, spec.char_max + 1):
            width = codes.shape[0] - n + 1
            if width <= 0:
                continue
            h = codes[:width].copy()
            for k in range(1, n):
                h = h * _POLY + codes[k : k + width]
            ok = seps_before[n - 1 : n - 1 + width] - seps_before[:width] + is_sep[:width] == 0
            rows.append(seps_before[:width][ok] - 1)
            hashes.append(_mix(h[ok], np.uint64(n)))
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    return np.concatenate(rows), np.concatenate(hashes)


def _word_features(texts: Sequence[str], spec: FeatureSpec) -> tuple[I64, U64]:
    """Row ids and hashes of word unigrams and (within one text) bigrams."""
    tokens = [_WORD.findall(t) for t in texts]
    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    flat = [w for ws in tokens for w in ws]
    base = np.fromiter((zlib.crc32(w.encode()) for w in flat), dtype=np.uint64, count=len(flat))
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    with np.errstate(over="ignore"):
        uni = _mix(base, _WORD_SALT)
        if not spec.word_bigrams or base.shape[0] < 2:
            return rows, uni
        same = rows[:-1] == rows[1:]
        bi = _mix(base[:-1][same] * _POLY + base[1:][same], _BIGRAM_SALT)
    return np.concatenate([rows, rows[:-1][same]]), np.concatenate([uni, bi])


def _sorted_unique(values: I64) -> I64:
    """`np.unique` by sort and mask: the same result, ~15× faster on numpy 2's hash-based path."""
    ordered = np.sort(values)
    if ordered.shape[0] == 0:
        return ordered
    keep = np.empty(ordered.shape[0], dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _block(rows: I64, hashes: U64, n_rows: int, spec: FeatureSpec) -> tuple[I64, I64, F32]:
    """Binary presence per (row, bucket), L2-normalised per row of one feature block.

    Presence beat raw counts by about one macro-F1 point on GermEval in 5-fold CV.
    """
    buckets = (hashes & np.uint64(spec.n_buckets - 1)).astype(np.int64)
    keys = _sorted_unique(rows * spec.n_buckets + buckets)
    key_rows = keys // spec.n_buckets
    per_row = np.bincount(key_rows, minlength=n_rows).astype(np.float64)
    data = (np.sqrt(0.5) / np.sqrt(per_row[key_rows])).astype(np.float32)
    return key_rows, keys % spec.n_buckets, data


def featurize(texts: Sequence[str], spec: FeatureSpec) -> SparseRows:
    """Turn raw texts into hashed sparse rows: a word block and a char block, each of norm ½."""
    normed = [normalize(t, spec.max_chars) for t in texts]
    n = len(normed)
    w_rows, w_idx, w_data = _block(*_word_features(normed, spec), n, spec)
    c_rows, c_idx, c_data = _block(*_char_features(normed, spec), n, spec)
    rows = np.concatenate([w_rows, c_rows])
    order = np.argsort(rows, kind="stable")
    counts = np.bincount(rows, minlength=n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return SparseRows(
        indptr=indptr,
        indices=np.concatenate([w_idx, c_idx])[order],
        data=np.concatenate([w_data, c_data])[order],
    )
