"""The adapter contract and the per-account registry; platform adapters plug in here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from services.responder.domain.model import ActionRequest, ActionResult


class PlatformAdapter(Protocol):
    """Performs a batch of abstract actions on one platform and says what it actually did."""

    async def perform(self, requests: Sequence[ActionRequest]) -> list[ActionResult]:
        """One result per request, any order; raise only when nothing could be attempted."""
        ...

    async def find_existing(self, request: ActionRequest) -> ActionResult | None:
        """After an unknown outcome: the post this action already made, or None to post it."""
        ...


class UnknownAdapter(LookupError):
    def __init__(self, name: str, known: Sequence[str]) -> None:
        super().__init__(
            f"responder adapter {name!r} is not registered (known: {sorted(known)}); "
            "fix the account's `adapter` in the accounts file"
        )


class AdapterRegistry:
    """Maps `Account.adapter` names to adapter instances built by the composition root."""

    def __init__(self, adapters: Mapping[str, PlatformAdapter]) -> None:
        self._adapters = dict(adapters)

    def get(self, name: str) -> PlatformAdapter:
        adapter = self._adapters.get(name)
        if adapter is None:
            raise UnknownAdapter(name, list(self._adapters))
        return adapter
