"""Run an ASGI app under a real uvicorn server on a free port, in a thread of its own.

The thread has its own event loop, so sync tests (hypothesis) and async tests can both talk to it
over real sockets.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from steam_connect.infra import free_port


class ServerThread:
    """`with ServerThread(app) as server: httpx.get(server.url + "/healthz")`."""

    def __init__(self, app: Any, *, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"server on port {self.port} exited during startup")
            if time.monotonic() > deadline:
                raise RuntimeError(f"server on port {self.port} did not start within 20 s")
            time.sleep(0.01)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=20)
