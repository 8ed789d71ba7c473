"""What a negative message is about, for the storm feature of the risk score and the reports."""

from __future__ import annotations

from services.reporting.domain.aspects import OTHER, aspects_of

CATEGORY_PREFIX = "category:"


def topics_of(category: str | None, text: str) -> list[str]:
    """The complaint category first (when there is one), then the aspects the text names.

    "other" is left out: two unrelated complaints that match no aspect are not a storm.
    """
    head = [f"{CATEGORY_PREFIX}{category}"] if category else []
    return head + [a for a in aspects_of(text) if a != OTHER]
