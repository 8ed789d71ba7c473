"""Every route of every service refuses without credentials, except the few that must not
(health, metrics, webhook handshakes, the OpenAPI docs); key and signature checks compare in
constant time."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import SecretStr

from shared.settings import Settings

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("ingest", "triage", "responder", "reporting")
OPEN = {
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/webhooks/facebook"),  # the handshake answers only with the verify token
    ("GET", "/webhooks/instagram"),
    ("GET", "/webhooks/x"),  # the CRC answer is an HMAC of the consumer secret
    ("GET", "/policy"),  # triage's live policy version and rule reasons: the published policy
}
DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def _apps(settings: Settings) -> dict[str, FastAPI]:
    secured = settings.model_copy(
        update={
            "responder_api_keys": [SecretStr("test-responder-key")],
            "facebook_app_secret": SecretStr("fb-secret"),
            "facebook_verify_token": SecretStr("fb-verify"),
            "x_consumer_secret": SecretStr("x-secret"),
        }
    )
    return {
        name: importlib.import_module(f"services.{name}.bootstrap").create_app(secured)
        for name in SERVICES
    }


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def _endpoints(app: FastAPI) -> list[tuple[str, str]]:
    """Top-level routes plus everything in the schema (included routers are resolved lazily)."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, APIRoute):
            assert route.methods is not None  # APIRoute defaults it to {"GET"}
            found |= {(method, route.path) for method in route.methods - {"HEAD", "OPTIONS"}}
    for path, operations in app.openapi()["paths"].items():
        found |= {(method.upper(), path) for method in operations}
    return sorted((m, p) for m, p in found if p not in DOCS)


async def test_every_route_refuses_without_credentials(settings: Settings) -> None:
    checked: list[str] = []
    for name, app in _apps(settings).items():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
            for method, path in _endpoints(app):
                if (method, path) in OPEN:
                    continue
                body: dict[str, object] | None = {} if method in ("POST", "PUT", "PATCH") else None
                answer = await client.request(method, _concrete(path), json=body)
                checked.append(f"{name} {method} {path} -> {answer.status_code}")
                assert answer.status_code in (401, 403), checked[-1] + f": {answer.text[:200]}"
                bad = await client.request(
                    method,
                    _concrete(path),
                    headers={
                        "Authorization": "Bearer wrong-key",
                        "X-Hub-Signature-256": "sha256=00",
                    },
                    json=body,
                )
                assert bad.status_code in (401, 403), (
                    f"{checked[-1]} with a wrong key: {bad.status_code}"
                )
    assert any("reporting GET" in c for c in checked), f"reporting not walked: {checked}"
    assert any("ingest POST /v1/comments" in c for c in checked)
    assert any("/webhooks/" in c for c in checked)


AUTH_MODULES = (
    "shared/http_auth.py",
    "services/ingest/connectors/meta.py",
    "services/ingest/connectors/x.py",
)


@pytest.mark.parametrize("module", AUTH_MODULES)
def test_secrets_are_compared_in_constant_time(module: str) -> None:
    """No `==`/`!=` next to a key, token, secret or signature; compare_digest is used."""
    source = (ROOT / module).read_text()
    assert "compare_digest" in source, module
    suspicious = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and any(
            isinstance(o, ast.Eq | ast.NotEq) for o in node.ops
        ):
            text = ast.unparse(node).lower()
            if re.search(r"(key|token|secret|signature|digest)", text) and "none" not in text:
                suspicious.append(f"line {node.lineno}: {ast.unparse(node)}")
    assert not suspicious, f"{module} compares secrets with ==: {suspicious}"
