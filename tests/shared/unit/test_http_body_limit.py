"""Bodies over an endpoint's cap get 413 naming the cap, declared or streamed, unread by routes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from shared.http_body_limit import BodyLimit, LimitRequestBody, describe_bytes, limit_for

LIMITS = (BodyLimit("/v1/comments", 1_000), BodyLimit("/v1", 100))


class Note(BaseModel):
    text: str


def _app() -> tuple[FastAPI, list[int]]:
    app = FastAPI()
    read: list[int] = []

    @app.post("/v1/comments")
    async def comments(request: Request) -> dict[str, int]:
        body = await request.body()
        read.append(len(body))
        return {"bytes": len(body)}

    @app.post("/v1/notes")
    async def notes(note: Note) -> dict[str, int]:  # FastAPI reads this body itself
        read.append(len(note.text))
        return {"chars": len(note.text)}

    app.add_middleware(LimitRequestBody, limits=LIMITS, default_bytes=10_000)
    return app, read


def test_the_longest_matching_prefix_sets_the_cap() -> None:
    assert limit_for("/v1/comments", LIMITS, 10_000) == 1_000
    assert limit_for("/v1/threads/x/notes", LIMITS, 10_000) == 100
    assert limit_for("/webhooks/facebook", LIMITS, 10_000) == 10_000


def test_limits_read_in_the_unit_people_size_batches_by() -> None:
    assert describe_bytes(8 << 20) == "8 MiB (8388608 bytes)"
    assert describe_bytes(2048) == "2 KiB (2048 bytes)"
    assert describe_bytes(1_000) == "1000 bytes"


async def _client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


async def test_a_declared_length_over_the_cap_is_refused_before_the_route_reads() -> None:
    app, read = _app()
    async for client in _client(app):
        response = await client.post("/v1/comments", content=b"x" * 1_001)
        assert response.status_code == 413
        assert response.json()["limit_bytes"] == 1_000
        assert "POST /v1/comments accepts at most 1000 bytes" in response.json()["detail"]
        assert "declares 1001 bytes" in response.json()["detail"]
        ok = await client.post("/v1/comments", content=b"x" * 1_000)
        assert ok.status_code == 200
    assert read == [1_000]


@pytest.mark.parametrize("path", ["/v1/comments", "/v1/notes"])
async def test_a_streamed_body_is_stopped_once_it_passes_the_cap(path: str) -> None:
    app, read = _app()

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(50):
            yield b"y" * 100
        yield b'"}'

    async for client in _client(app):
        response = await client.post(path, content=chunks())  # chunked: no Content-Length
        assert response.status_code == 413, response.text
        assert "sent more than" in response.json()["detail"]
    assert read == []
