"""Classifier throughput on one core, in batches as triage runs it: `python -m bench.classify_rate`.

Pins itself to one CPU, labels a corpus built from the bundled samples and the bench comments
(German and English; complaints, abuse, spam, praise) through `build_labeller` — the code path
triage uses — and prints comments per second. Run by `make bench` in its own process.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from services.triage.bootstrap import build_labeller
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BATCH = 200
COUNT = 20_000


def corpus(count: int) -> list[str]:
    """Distinct texts (a counter keeps repeats from being free), cycling through the samples."""
    lines = (ROOT / "samples" / "comments.ndjson").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    return [f"{texts[n % len(texts)]} #{n}" for n in range(count)]


def main() -> int:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    labeller = build_labeller(Settings(_env_file=None))
    texts = corpus(COUNT)
    labeller.label_batch([(t, None) for t in texts[:BATCH]])  # warm-up
    began = time.perf_counter()
    for start in range(0, len(texts), BATCH):
        labeller.label_batch([(t, None) for t in texts[start : start + BATCH]])
    sys.stdout.write(f"{len(texts) / (time.perf_counter() - began):.0f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
