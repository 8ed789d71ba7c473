"""Every HTTP endpoint of the four services, fuzzed from its own OpenAPI schema (schemathesis
strategies, schema-valid and schema-violating), with valid credentials so the input reaches the
handlers, and without: never a 5xx. Real Redis and PostgreSQL behind the apps."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from pydantic import SecretStr
from schemathesis import GenerationMode
from starlette.testclient import TestClient

from shared.settings import Settings
from tests.fakes.webhooks import _json, meta_headers, x_headers

pytestmark = pytest.mark.integration

SERVICES = ("ingest", "triage", "responder", "reporting")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
"""Per operation, mode and credential set; the whole fuzz stays well under a minute."""
KEYS = {
    "ingest": "test-ingest-key",
    "responder": "fuzz-responder-key",
    "reporting": "test-reporting-key",
}
SECRETS = {
    "responder_api_keys": [SecretStr(KEYS["responder"])],
    "facebook_app_secret": SecretStr("fb-secret"),
    "facebook_verify_token": SecretStr("fb-verify"),
    "instagram_app_secret": SecretStr("ig-secret"),
    "x_consumer_secret": SecretStr("x-secret"),
}
SKIP = {
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/redoc"),
    # Answered by every service over the streams; here reporting runs alone, so each valid
    # request would wait out the other services (504). tests/e2e/test_privacy.py drives it.
    ("GET", "/v1/privacy/authors/{platform}/{author_id}"),
}


def secured(settings: Settings) -> Settings:
    return settings.model_copy(update=SECRETS)


@pytest.fixture
def client(request: pytest.FixtureRequest, settings: Settings) -> Iterator[TestClient]:
    """The app with its lifespan running in the test client's own event-loop thread."""
    module = importlib.import_module(f"services.{request.param}.bootstrap")
    app: FastAPI = module.create_app(secured(settings))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def fuzz_operation(
    client: TestClient, operation: Any, mode: GenerationMode, headers: dict[str, str]
) -> list[str]:
    """Runs the operation's strategy; returns the requests that were answered (for coverage)."""
    answered: list[str] = []

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
        kwargs.pop("cookies", None)
        if isinstance(kwargs.get("data"), bytes | str):  # httpx takes a raw body as content
            kwargs["content"] = kwargs.pop("data")
        response = client.request(**kwargs)
        described = f"{kwargs['method']} {kwargs['url']} ({mode.value}) -> {response.status_code}"
        assert response.status_code < 500, f"{described}: {response.text[:500]}\n{kwargs}"
        answered.append(described)

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise
        # nothing to break: an operation without parameters or body has no invalid input
    return answered


@pytest.mark.parametrize("client", SERVICES, indirect=True)
def test_no_endpoint_answers_5xx_to_generated_input(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schema = schemathesis.openapi.from_dict(spec)
    service = spec["info"]["title"].rsplit(" ", 1)[-1]
    auth = {"Authorization": f"Bearer {KEYS[service]}"} if service in KEYS else {}
    answered: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        for mode in GenerationMode:
            answered += fuzz_operation(client, operation, mode, auth)
            if auth:
                answered += fuzz_operation(client, operation, mode, {})
    assert operations and answered, f"{service}: nothing fuzzed"
    if auth:  # the credentials let generated input past authentication
        assert any(" -> 2" in a or " -> 404" in a or " -> 422" in a for a in answered), answered


# Webhook bodies are read raw (their signature covers the bytes), so the schema does not
# describe them: generate JSON of the platforms' shapes with arbitrary leaves, and sign it.

LEAF = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
ANY_JSON = st.recursive(
    LEAF,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)


def _field(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A plausible value most of the time, anything at all otherwise."""
    return st.one_of(strategy, ANY_JSON)


def meta_body(kind: str) -> st.SearchStrategy[Any]:
    value = st.fixed_dictionaries(
        {
            "item": _field(st.just("comment")),
            "verb": _field(st.sampled_from(["add", "edited", "remove", "hide", "unhide"])),
            "comment_id": _field(st.text(min_size=1, max_size=30)),
            "post_id": _field(st.text(min_size=1, max_size=30)),
            "parent_id": _field(st.text(max_size=30)),
            "id": _field(st.text(max_size=30)),
            "text": _field(st.text(max_size=200)),
            "message": _field(st.text(max_size=200)),
            "from": _field(st.fixed_dictionaries({"id": _field(st.text()), "name": LEAF})),
            "created_time": _field(st.integers()),
            "media": _field(st.fixed_dictionaries({"id": _field(st.text())})),
        }
    )
    change = st.fixed_dictionaries(
        {"field": _field(st.sampled_from(["feed", "comments"])), "value": _field(value)}
    )
    entry = st.fixed_dictionaries(
        {
            "id": _field(st.sampled_from(["1001", "2001"])),
            "time": _field(st.integers()),
            "changes": _field(st.lists(_field(change), max_size=3)),
        }
    )
    return st.fixed_dictionaries(
        {"object": _field(st.just(kind)), "entry": _field(st.lists(_field(entry), max_size=3))}
    )


def x_body() -> st.SearchStrategy[Any]:
    user = st.fixed_dictionaries({"id_str": _field(st.text()), "screen_name": LEAF, "name": LEAF})
    tweet = st.fixed_dictionaries(
        {
            "id_str": _field(st.text(min_size=1, max_size=25)),
            "text": _field(st.text(max_size=300)),
            "created_at": _field(st.text(max_size=40)),
            "timestamp_ms": _field(st.text(max_size=20)),
            "in_reply_to_status_id_str": _field(st.text(max_size=25)),
            "in_reply_to_user_id_str": _field(st.sampled_from(["3001", "x"])),
            "conversation_id_str": _field(st.text(max_size=25)),
            "user": _field(user),
        }
    )
    delete = st.fixed_dictionaries(
        {
            "status": _field(st.fixed_dictionaries({"id": LEAF, "user_id": LEAF})),
            "timestamp_ms": LEAF,
        }
    )
    return st.fixed_dictionaries(
        {
            "for_user_id": _field(st.sampled_from(["3001", "9"])),
            "tweet_create_events": _field(st.lists(_field(tweet), max_size=3)),
            "tweet_delete_events": _field(st.lists(_field(delete), max_size=2)),
        }
    )


def fuzz_webhook(
    client: TestClient, platform: str, bodies: st.SearchStrategy[Any], sign: Any
) -> list[int]:
    """Signed bodies (and truncated ones) to one webhook; returns the status codes."""
    answered: list[int] = []

    @hypothesis_settings(
        max_examples=EXAMPLES * 3,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(body=bodies | ANY_JSON.map(lambda v: {"v": v}), truncate=st.booleans())
    def run(body: Any, truncate: bool) -> None:
        payload = _json(body)[:-1] if truncate else _json(body)
        response = client.post(f"/webhooks/{platform}", content=payload, headers=sign(payload))
        assert response.status_code < 500, f"{platform}: {response.text[:300]}\n{payload!r}"
        answered.append(response.status_code)

    run()
    return answered


@pytest.mark.parametrize("client", ["ingest"], indirect=True)
def test_signed_webhook_bodies_of_any_shape_never_answer_5xx(client: TestClient) -> None:
    hooks = {
        "facebook": (meta_body("page"), lambda b: meta_headers("fb-secret", b)),
        "instagram": (meta_body("instagram"), lambda b: meta_headers("ig-secret", b)),
        "x": (x_body(), lambda b: x_headers("x-secret", b)),
    }
    for platform, (bodies, sign) in hooks.items():
        answered = fuzz_webhook(client, platform, bodies, sign)
        assert any(code < 300 for code in answered), f"{platform}: no signed body accepted"


@pytest.mark.parametrize("client", ["reporting"], indirect=True)
def test_found_by_the_fuzz_an_improvement_period_reaching_before_year_one(
    client: TestClient,
) -> None:
    answer = client.get(
        "/v1/reports/improvement",
        params={"from": "2000-01-01T00:00:00Z", "to": "3999-01-01T00:00:00Z"},
        headers={"Authorization": f"Bearer {KEYS['reporting']}"},
    )
    assert answer.status_code == 422, answer.text
    assert "before year 1" in answer.text


@pytest.mark.parametrize("client", ["reporting"], indirect=True)
def test_found_by_the_fuzz_a_nul_character_in_the_url(client: TestClient) -> None:
    auth = {"Authorization": f"Bearer {KEYS['reporting']}"}
    for path, params in [
        ("/v1/threads", {"platform": "\x00"}),
        ("/v1/threads/facebook%3Ac%00", {}),
        ("/v1/comments/facebook/c%00", {}),
    ]:
        answer = client.get(path, params=params, headers=auth)
        assert answer.status_code == 422, f"{path} {params}: {answer.text}"
    assert client.get("/v1/threads", params={"platform": "x"}, headers=auth).status_code == 200
