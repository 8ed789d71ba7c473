"""Bounded metric labels and the API-key comparison."""

from __future__ import annotations

from pydantic import SecretStr

from services.reporting.metrics import OTHER, BoundedLabel
from shared.http_auth import key_matches


def test_bounded_label_admits_the_first_values_then_collapses_to_other() -> None:
    label = BoundedLabel(limit=2)
    assert label("R1") == "R1"
    assert label("R2") == "R2"
    assert label("R3") == OTHER
    assert label("R1") == "R1"


def test_bounded_label_truncates_long_values() -> None:
    assert BoundedLabel(limit=5, max_length=4)("R1-very-long") == "R1-v"


def test_key_matches_any_configured_key_and_nothing_else() -> None:
    keys = [SecretStr("alpha"), SecretStr("beta")]
    assert key_matches("beta", keys)
    assert not key_matches("gamma", keys)
    assert not key_matches("", keys)
    assert not key_matches("alpha", [])
