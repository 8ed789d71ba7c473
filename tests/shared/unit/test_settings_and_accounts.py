"""Settings parsing and the accounts file: what an operator configures must mean what it says."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from shared.accounts import AccountDirectory, UnknownAccount
from shared.logging import JsonFormatter
from shared.settings import Settings


def test_api_keys_come_as_one_comma_separated_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INGEST_API_KEYS", "alpha, beta ,")
    settings = Settings(_env_file=None)
    assert [k.get_secret_value() for k in settings.ingest_api_keys] == ["alpha", "beta"]
    assert "alpha" not in repr(settings)


def test_default_ports_are_the_documented_ones() -> None:
    settings = Settings(_env_file=None)
    ports = (settings.ingest_port, settings.triage_port, settings.responder_port)
    assert ports + (settings.reporting_port,) == (8001, 8002, 8003, 8004)


def test_shipped_accounts_file_loads(tmp_path: Path) -> None:
    directory = AccountDirectory.load(Settings(_env_file=None).accounts_file, accept_unknown=False)
    assert directory.get("facebook", "1001").kind == "business"
    with pytest.raises(UnknownAccount, match="ACCEPT_UNKNOWN_ACCOUNTS"):
        directory.get("facebook", "nope")


def test_unknown_accounts_become_default_business_pages_in_demo_mode(tmp_path: Path) -> None:
    directory = AccountDirectory.load(tmp_path / "missing.yaml", accept_unknown=True)
    account = directory.get("x", "42")
    assert (account.kind, account.mode, account.adapter) == ("business", "auto", "console")


def test_broken_accounts_file_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "accounts.yaml"
    path.write_text("accounts:\n  - platform: myspace\n    account_id: '1'\n")
    with pytest.raises(ValueError, match=str(path)):
        AccountDirectory.load(path, accept_unknown=False)


def test_json_logs_carry_context_and_mask_secrets() -> None:
    record = logging.makeLogRecord(
        {"msg": "decided %s", "args": ("R1",), "levelname": "INFO", "name": "t"}
    )
    record.correlation_id = "facebook:c1"
    record.api_key = "s3cret"
    line = json.loads(JsonFormatter("triage").format(record))
    assert line["msg"] == "decided R1"
    assert line["correlation_id"] == "facebook:c1"
    assert line["api_key"] == "***"
    assert line["service"] == "triage"
