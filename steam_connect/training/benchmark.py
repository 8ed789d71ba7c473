"""Throughput of the shipped classifier: `python -m steam_connect.training.benchmark`.

A benchmark, not a test: it prints comments per second for a few batch sizes, single process.
Pin it to one core with `taskset -c 0` for the one-core figure.
"""

from __future__ import annotations

import argparse
import time

from services.triage.domain.classification import Classifier
from services.triage.domain.model import HybridClassifier, ModelClassifier
from steam_connect.training import data


def _corpus(n: int) -> list[str]:
    """A realistic mix of German and English comments from the shared datasets."""
    texts: list[str] = []
    for name in ("germeval2018", "davidson2017", "youtube_spam", "complaints2019"):
        texts += data.texts(data.load_rows(name))[: n // 4]
    return texts


def main(argv: list[str] | None = None) -> None:
    """Measure ModelClassifier and HybridClassifier at several batch sizes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=20_000)
    args = parser.parse_args(argv)
    texts = _corpus(args.comments)
    model = ModelClassifier.load()
    from services.triage.domain.classifier import LexiconClassifier

    hybrid = HybridClassifier(model, LexiconClassifier.from_directory())
    classifiers: dict[str, Classifier] = {"model": model, "hybrid": hybrid}
    for name, clf in classifiers.items():
        for batch in (64, 256, 512, 1024):
            items: list[tuple[str, str | None]] = [(t, None) for t in texts]
            start = time.perf_counter()
            for i in range(0, len(items), batch):
                clf.classify_batch(items[i : i + batch])
            rate = len(items) / (time.perf_counter() - start)
            print(f"{name:<7} batch {batch:>5}: {rate:>9,.0f} comments/s, {len(items)} comments")


if __name__ == "__main__":
    main()
