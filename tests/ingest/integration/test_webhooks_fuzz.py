"""Random bodies at every ingest endpoint over real HTTP: refusals are 4xx, never a 5xx."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from services.ingest.bootstrap import create_app
from shared.settings import Settings
from tests.fakes.server import ServerThread
from tests.fakes.webhooks import meta_headers, x_headers
from tests.ingest.integration.conftest import FB_SECRET, IG_SECRET, X_SECRET, with_connectors

pytestmark = pytest.mark.integration

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**20, max_value=10**40),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(["1001", "2001", "3001", "", "0"]),
)
anything = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=15,
)
ids = st.one_of(st.sampled_from(["1001", "2001", "3001", "4242"]), anything)
times = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20), st.text(max_size=25), anything
)
fb_value = st.fixed_dictionaries(
    {
        "item": st.sampled_from(["comment", "post", "reaction"]),
        "verb": st.sampled_from(["add", "edited", "remove", "hide", "unhide", "block"]) | anything,
        "comment_id": ids,
        "post_id": ids,
        "parent_id": ids,
        "message": anything | st.text(),
        "from": st.fixed_dictionaries({"id": ids, "name": anything}) | anything,
        "created_time": times,
    }
)
meta_envelope = st.fixed_dictionaries(
    {
        "object": st.sampled_from(["page", "instagram"]) | anything,
        "entry": st.lists(
            st.fixed_dictionaries(
                {
                    "id": ids,
                    "time": times,
                    "changes": st.lists(
                        st.fixed_dictionaries(
                            {
                                "field": st.sampled_from(["feed", "comments", "mentions"]),
                                "value": fb_value
                                | st.fixed_dictionaries(
                                    {
                                        "id": ids,
                                        "text": anything,
                                        "from": anything,
                                        "media": st.fixed_dictionaries({"id": ids}) | anything,
                                        "parent_id": ids,
                                    }
                                ),
                            }
                        ),
                        max_size=3,
                    )
                    | anything,
                }
            ),
            max_size=2,
        )
        | anything,
    }
)
tweet = st.fixed_dictionaries(
    {
        "id_str": ids,
        "text": anything,
        "truncated": anything,
        "extended_tweet": anything,
        "in_reply_to_status_id_str": ids,
        "in_reply_to_user_id_str": ids,
        "user": st.fixed_dictionaries({"id_str": ids, "screen_name": anything}) | anything,
        "timestamp_ms": times,
        "created_at": times,
    }
)
x_envelope = st.fixed_dictionaries(
    {
        "for_user_id": ids,
        "tweet_create_events": st.lists(tweet, max_size=3) | anything,
        "tweet_delete_events": st.lists(
            st.fixed_dictionaries(
                {
                    "status": st.fixed_dictionaries({"id": ids, "user_id": ids}) | anything,
                    "timestamp_ms": times,
                }
            ),
            max_size=2,
        )
        | anything,
    }
)
generic = st.fixed_dictionaries(
    {
        "platform": st.sampled_from(["facebook", "YouTube", "myspace"]) | anything,
        "account_id": ids,
        "comment_id": ids,
        "post_id": ids,
        "parent_id": ids,
        "author": st.fixed_dictionaries({"id": ids, "name": anything}) | anything,
        "text": anything,
        "created_at": times,
        "change": anything,
        "changed_at": times,
    }
)


def encode(value: Any) -> bytes:
    return json.dumps(value).encode()


bodies = {
    "facebook": st.one_of(st.binary(max_size=200), anything.map(encode), meta_envelope.map(encode)),
    "instagram": st.one_of(st.binary(max_size=200), meta_envelope.map(encode)),
    "x": st.one_of(st.binary(max_size=200), anything.map(encode), x_envelope.map(encode)),
    "generic": st.one_of(
        st.binary(max_size=200),
        anything.map(encode),
        generic.map(encode),
        st.lists(generic, max_size=3).map(encode),
        st.just(b"[" * 5000),
    ),
}


def _sign(target: str, body: bytes) -> dict[str, str]:
    if target == "facebook":
        return meta_headers(FB_SECRET, body)
    if target == "instagram":
        return meta_headers(IG_SECRET, body)
    if target == "x":
        return x_headers(X_SECRET, body)
    return {"Authorization": "Bearer test-ingest-key", "Content-Type": "application/json"}


@pytest.mark.parametrize("target", ["facebook", "instagram", "x", "generic"])
def test_random_signed_bodies_never_get_a_5xx(settings: Settings, target: str) -> None:
    path = "/v1/comments" if target == "generic" else f"/webhooks/{target}"
    with (
        ServerThread(create_app(with_connectors(settings))) as server,
        httpx.Client(base_url=server.url) as client,
    ):

        @hsettings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
        @given(body=bodies[target], signed=st.booleans())
        def post(body: bytes, signed: bool) -> None:
            headers = _sign(target, body) if signed else {"Content-Type": "application/json"}
            response = client.post(path, content=body, headers=headers)
            assert response.status_code < 500, (response.status_code, response.text, body[:300])
            assert response.headers["content-type"].startswith("application/json")

        post()


def test_random_handshakes_never_get_a_5xx(settings: Settings) -> None:
    params = st.dictionaries(
        st.sampled_from(["hub.mode", "hub.verify_token", "hub.challenge", "crc_token", "x"]),
        st.text(max_size=40),
        max_size=4,
    )
    with (
        ServerThread(create_app(with_connectors(settings))) as server,
        httpx.Client(base_url=server.url) as client,
    ):

        @hsettings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
        @given(
            path=st.sampled_from(["/webhooks/facebook", "/webhooks/instagram", "/webhooks/x"]),
            query=params,
        )
        def get(path: str, query: dict[str, str]) -> None:
            response = client.get(path, params=query)
            assert response.status_code < 500, (response.status_code, response.text, query)

        get()
