"""Agents' corrections as labelled JSON lines, in the format of `../shared/datasets/`.

Each line is `{"id", "text", "lang", "source", <labels>}` like the datasets the classifier is
trained and evaluated on, so `make eval` can score the classifier on what agents corrected:
`labels` (asserted), `not_labels` (denied), and the booleans the evaluation reads (`threat`,
`abuse`, `complaint`, `spam`, `troll`) wherever the correction settles them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shared.labels import LABELS, NEGATION, denied

SOURCE = "steam-connect-corrections"

FLAGS: dict[str, tuple[str, ...]] = {
    "threat": ("threat",),
    "abuse": tuple(label for label in LABELS if label.startswith("abuse.")),
    "complaint": tuple(label for label in LABELS if label.startswith("complaint.")),
    "spam": ("abuse.spam",),
    "troll": ("troll",),
}
"""The dataset-style booleans of a feedback line, and the labels each stands for."""


def settled_flags(tokens: Sequence[str]) -> dict[str, bool]:
    """True where a token asserts a label of the flag, False where one denies all of them."""
    asserted = {t for t in tokens if not t.startswith(NEGATION)}
    negations = [t for t in tokens if t.startswith(NEGATION)]
    flags: dict[str, bool] = {}
    for flag, members in FLAGS.items():
        if asserted & set(members):
            flags[flag] = True
        elif all(any(denied(m, n) for n in negations) for m in members):
            flags[flag] = False
    return flags


def feedback_line(
    *,
    correction_id: int,
    platform: str,
    comment_id: str,
    account_id: str,
    tokens: Sequence[str],
    note: str,
    source: str,
    corrected_by: str,
    at: datetime,
    text: str | None,
    lang: str | None,
) -> dict[str, Any]:
    return {
        "id": f"{platform}:{comment_id}:{correction_id}",
        "text": text,
        "lang": lang,
        "source": SOURCE,
        **settled_flags(tokens),
        "labels": [t for t in tokens if not t.startswith(NEGATION)],
        "not_labels": [t[len(NEGATION) :] for t in tokens if t.startswith(NEGATION)],
        "platform": platform,
        "account_id": account_id,
        "correction_source": source,
        "corrected_by": corrected_by,
        "corrected_at": at.isoformat(),
        "note": note,
    }
