"""Request bodies capped per endpoint, before a route reads them.

Neither uvicorn nor Starlette bounds a body: a route calling `request.body()` read a 30 MB post
whole into memory before answering 422. This ASGI middleware answers 413 at once when the
declared Content-Length is over the endpoint's cap, and stops a chunked body as soon as the
bytes received pass it; the answer names the limit, so a sender knows how far to split.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.metrics import HTTP_REFUSED


@dataclass(frozen=True)
class BodyLimit:
    """At most `max_bytes` for requests whose path starts with `path_prefix`."""

    path_prefix: str
    max_bytes: int


def limit_for(path: str, limits: Sequence[BodyLimit], default_bytes: int) -> int:
    """The cap of the longest matching prefix, else the default: specific rules win."""
    matching = [rule for rule in limits if path.startswith(rule.path_prefix)]
    if not matching:
        return default_bytes
    return max(matching, key=lambda rule: len(rule.path_prefix)).max_bytes


def describe_bytes(count: int) -> str:
    """`8 MiB (8388608 bytes)`: readable, and exact for whoever sizes batches by it."""
    for unit, size in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit} ({count} bytes)"
    return f"{count} bytes"


def too_large(method: str, path: str, max_bytes: int, seen: str) -> JSONResponse:
    detail = f"{method} {path} accepts at most {describe_bytes(max_bytes)}; this request {seen}"
    body = {"error": "request body too large", "detail": detail, "limit_bytes": max_bytes}
    return JSONResponse(body, status_code=413, headers={"Connection": "close"})


class BodyTooLarge(Exception):
    """Raised from `receive` when a body without Content-Length outgrows its cap.

    Whatever the app answers after that (FastAPI turns a failed body read into a 400) is
    replaced by the 413, so the sender always learns the limit.
    """


class LimitRequestBody:
    """ASGI middleware: 413 for bodies over their endpoint's cap; nothing over it is buffered."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: Sequence[BodyLimit] = (),
        default_bytes: int,
        service: str = "-",
    ) -> None:
        self._app = app
        self._service = service
        self._limits = tuple(limits)
        self._default = default_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        cap = limit_for(path, self._limits, self._default)
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            HTTP_REFUSED.labels(self._service, "413").inc()
            await too_large(method, path, cap, f"declares {declared} bytes")(scope, receive, send)
            return
        received = 0
        over = False
        answered = False  # our 413, or the app's own answer begun before the cap was passed

        async def counting_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    over = True
                    raise BodyTooLarge
            return message

        async def answer_413() -> None:
            nonlocal answered
            if not answered:
                answered = True
                HTTP_REFUSED.labels(self._service, "413").inc()
                response = too_large(method, path, cap, f"sent more than {cap} bytes")
                await response(scope, receive, send)

        async def guarded_send(message: Message) -> None:
            # A route or FastAPI may turn the exception into its own 400/500: ours replaces it.
            nonlocal answered
            if over:
                await answer_413()
                return
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self._app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            await answer_413()


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
