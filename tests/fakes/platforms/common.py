"""What every fake platform shares: bearer auth, request recording, injected faults.

A fake is a real HTTP server (FastAPI under uvicorn, see `tests.fakes.server.ServerThread`).
Tests switch faults on (`inject`) and read `accepted` — the calls that changed platform state —
to see exactly what was sent and that nothing was posted twice.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse


@dataclass(frozen=True)
class Req:
    """One request as the platform saw it."""

    method: str
    path: str
    params: dict[str, str]
    json: Any
    form: dict[str, str]
    content_type: str


@dataclass(frozen=True)
class Fault:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    perform: bool = False
    """Perform the call, then answer with this fault anyway (a 5xx after the post went through)."""


@dataclass
class FakePlatform:
    """State shared by the server thread and the test; guarded by `lock`."""

    token: str
    accepted: list[Req] = field(default_factory=list)
    seen: list[Req] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: int = 0

    def inject(self, fault: Fault, times: int = 1) -> None:
        """The next `times` writes (not GETs) get this answer."""
        with self.lock:
            self.faults.extend([fault] * times)

    def next_id(self, prefix: str) -> str:
        with self.lock:
            self.ids += 1
            return f"{prefix}{self.ids}"

    def writes(self) -> list[Req]:
        with self.lock:
            return list(self.accepted)

    def accept(self, req: Req) -> None:
        with self.lock:
            self.accepted.append(req)


Route = Callable[[Req], Response]


def respond(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    if body is None:
        return Response(status_code=status, headers=headers)
    return JSONResponse(body, status_code=status, headers=headers)


async def read(request: Request) -> Req:
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    body: Any = None
    form: dict[str, str] = {}
    if raw and content_type.startswith("application/json"):
        body = json.loads(raw)
    elif raw and content_type.startswith("application/x-www-form-urlencoded"):
        form = dict(parse_qsl(raw.decode()))
    return Req(
        request.method, request.url.path, dict(request.query_params), body, form, content_type
    )


def build_app(
    state: FakePlatform,
    route: Route,
    unauthorized: Callable[[], Response],
    extra_headers: Callable[[], dict[str, str]] = dict,
) -> FastAPI:
    """One catch-all endpoint: auth, record, injected fault, then the platform's own routing."""
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE"])
    async def handle(request: Request) -> Response:
        req = await read(request)
        with state.lock:
            state.seen.append(req)
            if request.headers.get("authorization") != f"Bearer {state.token}":
                return unauthorized()
            fault = state.faults.popleft() if state.faults and req.method != "GET" else None
            if fault is not None and not fault.perform:
                return respond(fault.status, fault.body, fault.headers)
            response = route(req)
            if fault is not None:
                return respond(fault.status, fault.body, fault.headers)
            response.headers.update(extra_headers())
            return response

    return app
