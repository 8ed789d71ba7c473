"""What a negative message is about, for the storm feature of the risk score and the reports."""

from __future__ import annotations

from collections.abc import Sequence

from shared.aspects import OTHER, aspect_ids, aspects_of

CATEGORY_PREFIX = "category:"


def topics_of(category: str | None, text: str, aspects: Sequence[str] = ()) -> list[str]:
    """The complaint category first (when there is one), then the aspects, main first.

    `aspects`: triage's, from the decision; a decision without them (made before triage named
    them, or not a complaint) gets the word patterns'. "other" is left out: two unrelated
    complaints that match no aspect are not a storm.
    """
    head = [f"{CATEGORY_PREFIX}{category}"] if category else []
    return head + (list(aspects) or [a for a in aspects_of(text) if a != OTHER])


def main_aspect(topics: Sequence[str], text: str) -> str:
    """The first aspect of a message's stored topics; for rows stored before topics were
    aspects (keywords then), read from the text with the patterns."""
    known = aspect_ids()
    return next((t for t in topics if t in known), None) or aspects_of(text)[0]
