"""What every head of the shipped classifier learns from: datasets, labels and weights.

Only may-train sets appear here (checked by `check_licences`). Each part of a head is one
dataset with a labelling function (1, 0, or None to leave the row out) and an optional cap on
its rows (the lowest id hashes, so the choice is stable). Every part weighs the same in total
and is class-balanced inside, so a 20,000-row source cannot drown a 600-row one: a head learns
the concept the sources share, not the style of the biggest.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from steam_connect.training import data

Row = dict[str, Any]
Labeller = Callable[[Row], int | None]
BP = data.BRANDPAGE_TRAIN


@dataclass(frozen=True)
class Part:
    dataset: str
    label: Labeller
    cap: int | None = None
    weight: float = 1.0


@dataclass(frozen=True)
class HeadSpec:
    """One output column set. `fused` heads also get an encoder half; softmax heads do not."""

    name: str
    parts: tuple[Part, ...]
    kind: str = "binary"
    classes: tuple[str, ...] = ("no", "yes")
    fused: bool = True
    encoder_parts: tuple[Part, ...] = field(default=())
    """Rows the encoder half learns from, when they differ (the offensive heads share one)."""


def _has(*labels: str) -> Labeller:
    """Seed-set rows: 1 when any of `labels` is among the row's labels."""
    return lambda r: int(any(label in r["labels"] for label in labels))


def _no(_r: Row) -> int:
    return 0


OFFENSIVE_SEED = ("abuse.insult", "abuse.aggression", "abuse.profanity", "abuse.hate", "threat")
OFFENSIVE_DE = (
    Part("germeval2018", lambda r: int(r["offensive"])),
    Part("gahd", lambda r: int(r["hate"])),
    Part(BP, lambda r: _has(*OFFENSIVE_SEED)(r) if r["lang"] == "de" else None, weight=2.0),
)
OFFENSIVE_EN = (
    Part("davidson2017", lambda r: int(r["class"] != "neither")),
    Part("mlma", lambda r: int(r["offensive"] or r["hate"])),
    Part("fox_news", lambda r: int(r["hate"])),
    Part("implicit_hate", lambda r: int(r["hate"])),
    Part("youtube_spam", _no),
    Part("cesamard", _no, cap=2000),
    Part(BP, lambda r: _has(*OFFENSIVE_SEED)(r) if r["lang"] == "en" else None, weight=2.0),
)
NEGATIVE_BACKGROUND = (
    Part("davidson2017", _no, cap=3000),
    Part("germeval2018", _no, cap=3000),
    Part("cesamard", _no, cap=1500),
    Part("youtube_spam", lambda r: None if r["spam"] else 0),
)

HEADS: tuple[HeadSpec, ...] = (
    HeadSpec(
        "lang_de",
        (
            Part("germeval2018", lambda r: 1),
            Part("gahd", lambda r: 1, cap=3000),
            Part("davidson2017", lambda r: 0),
            Part("youtube_spam", lambda r: 0),
            Part("cesamard", lambda r: 0),
            Part("implicit_hate", lambda r: 0, cap=3000),
            Part(BP, lambda r: int(r["lang"] == "de")),
        ),
        classes=("en", "de"),
        fused=False,
    ),
    HeadSpec("offensive_de", OFFENSIVE_DE, encoder_parts=OFFENSIVE_DE + OFFENSIVE_EN),
    HeadSpec("offensive_en", OFFENSIVE_EN, encoder_parts=OFFENSIVE_DE + OFFENSIVE_EN),
    HeadSpec(
        "fine_de",
        (
            Part(
                "germeval2018",
                lambda r: (
                    ("abuse", "insult", "profanity").index(r["fine"]) if r["offensive"] else None
                ),
            ),
        ),
        kind="softmax",
        classes=("abuse", "insult", "profanity"),
        fused=False,
    ),
    HeadSpec(
        "hate",
        (
            Part("davidson2017", lambda r: int(r["class"] == "hate")),
            Part("implicit_hate", lambda r: int(r["hate"])),
            Part("fox_news", lambda r: int(r["hate"])),
            Part("mlma", lambda r: int(r["hate"])),
            Part("gahd", lambda r: int(r["hate"])),
            Part("germeval2018", lambda r: None if r["fine"] == "abuse" else 0),
            Part(BP, _has("abuse.hate"), weight=2.0),
        ),
    ),
    HeadSpec(
        "threat",
        (
            Part("implicit_hate", lambda r: int(r["threatening"])),
            Part(BP, _has("threat"), weight=3.0),
            *NEGATIVE_BACKGROUND,
            Part("gahd", _no, cap=3000),
        ),
    ),
    HeadSpec(
        "spam",
        (
            Part("youtube_spam", lambda r: int(r["spam"])),
            Part(BP, _has("abuse.spam"), weight=2.0),
            Part("davidson2017", _no, cap=2000),
            Part("cesamard", _no, cap=2000),
            Part("germeval2018", _no, cap=2000),
        ),
    ),
    HeadSpec(
        "complaint",
        (
            Part("cesamard", lambda r: int(r["complaint"])),
            Part(
                BP,
                _has("complaint.product", "complaint.customer_service", "complaint.social_media"),
                weight=2.0,
            ),
        ),
    ),
    # Labels only the seed set has (no licensed data): trolling and conspiracy talk. Background
    # negatives from customer tweets and German comments keep them from learning "any brand-page
    # comment". No head for trivial demands: trained on the seed set's 69, it called plain
    # refund demands ("ich will mein Geld zurück") trivial at 0.99, and R5 would have ignored
    # real complaints; the lexicon rules alone judge triviality.
    HeadSpec(
        "troll",
        (
            Part(BP, _has("troll"), weight=2.0),
            Part("cesamard", _no, cap=1500),
            Part("germeval2018", lambda r: 0 if not r["offensive"] else None, cap=1500),
        ),
    ),
    HeadSpec(
        "conspiracy",
        (
            Part(BP, _has("abuse.conspiracy"), weight=2.0),
            Part("cesamard", _no, cap=1500),
            Part("davidson2017", _no, cap=1500),
            Part("germeval2018", lambda r: 0 if not r["offensive"] else None, cap=1500),
        ),
    ),
    HeadSpec("sarcasm", (Part("isarcasmeval", lambda r: int(r["sarcastic"])),)),
    HeadSpec(
        "positive",
        (
            Part(
                BP,
                lambda r: int(
                    "positive" in r["labels"]
                    and not any(label.startswith("complaint.") for label in r["labels"])
                ),
            ),
            Part("cesamard", lambda r: None if not r["complaint"] else 0, cap=800),
            Part("germeval2018", lambda r: 0 if r["offensive"] else None, cap=800),
        ),
    ),
)


def check_licences() -> None:
    """Refuse to train when a head would learn from an evaluation-only set."""
    for head in HEADS:
        for part in head.parts + head.encoder_parts:
            if not data.DATASETS[part.dataset].may_train:
                raise ValueError(
                    f"head {head.name} uses {part.dataset}, which may not train a shipped model"
                )


def stable_cap(rows: list[Row], cap: int | None) -> list[Row]:
    """The `cap` rows with the lowest id hashes: a stable choice, independent of file order."""
    if cap is None or len(rows) <= cap:
        return rows
    return sorted(rows, key=lambda r: zlib.crc32(str(r["id"]).encode()))[:cap]
