"""A fake YouTube Data API v3 write side: comments.insert (replies), comments.list by parent,
comments.setModerationStatus (held, rejected, banAuthor), Google-style error bodies.

The read side the ingest poller uses is `tests.fakes.youtube`; its `google_error` is reused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Response

from tests.fakes.platforms.common import FakePlatform, Fault, Req, build_app, respond
from tests.fakes.youtube import google_error

BASE = "/youtube/v3"
WRITE_UNITS = 50


def error(code: int, reason: str, message: str, domain: str = "youtube.comment") -> Fault:
    r = google_error(code, reason, message, domain)
    return Fault(code, json.loads(bytes(r.body)))


def quota_exceeded() -> Fault:
    return error(
        403,
        "quotaExceeded",
        "The request cannot be completed because you have exceeded your quota.",
        "youtube.quota",
    )


def server_error() -> Fault:
    return error(503, "backendError", "Backend Error", "global")


def forbidden() -> Fault:
    return error(
        403, "forbidden", "The comment could not be updated due to insufficient permissions."
    )


def _answer(f: Fault) -> Response:
    return respond(f.status, f.body)


@dataclass
class FakeYouTubeWrites(FakePlatform):
    channel_id: str = "UC_demo_channel"
    comments: dict[str, dict[str, Any]] = field(default_factory=dict)
    banned: set[str] = field(default_factory=set)

    def add_comment(
        self,
        comment_id: str,
        author: str = "UC_viewer",
        text: str = "bad",
        parent: str | None = None,
    ) -> None:
        with self.lock:
            self.comments[comment_id] = {
                "id": comment_id,
                "author": author,
                "text": text,
                "parent": parent,
                "status": "published",
            }

    def replies_to(self, comment_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.comments.values() if c["parent"] == comment_id]

    def route(self, req: Req) -> Response:
        path = req.path[len(BASE) :] if req.path.startswith(BASE) else req.path
        if path == "/comments" and req.method == "POST":
            return self._insert(req)
        if path == "/comments" and req.method == "GET":
            return self._list(req)
        if path == "/comments/setModerationStatus" and req.method == "POST":
            return self._moderate(req)
        return _answer(error(404, "notFound", f"Not Found: {req.method} {req.path}", "global"))

    def _resource(self, c: dict[str, Any]) -> dict[str, Any]:
        snippet = {
            "textOriginal": c["text"],
            "textDisplay": c["text"],
            "authorChannelId": {"value": c["author"]},
            "parentId": c["parent"],
        }
        return {"kind": "youtube#comment", "etag": "e", "id": c["id"], "snippet": snippet}

    def _insert(self, req: Req) -> Response:
        if req.params.get("part") != "snippet":
            return _answer(error(400, "missingRequiredParameter", "part=snippet", "global"))
        snippet = (req.json or {}).get("snippet") if isinstance(req.json, dict) else None
        if not isinstance(snippet, dict) or not snippet.get("textOriginal"):
            return _answer(error(400, "commentTextRequired", "The comment text is required."))
        parent = self.comments.get(str(snippet.get("parentId")))
        if parent is None or parent["status"] == "rejected":
            return _answer(error(404, "parentCommentNotFound", "The parent comment was not found."))
        if parent["parent"] is not None:
            return _answer(error(400, "operationNotSupported", "Replies to replies not allowed."))
        new_id = self.next_id(f"{parent['id']}.r")
        created = {
            "id": new_id,
            "author": self.channel_id,
            "text": snippet["textOriginal"],
            "parent": parent["id"],
            "status": "published",
        }
        self.comments[new_id] = created
        self.accept(req)
        return respond(200, self._resource(created))

    def _list(self, req: Req) -> Response:
        parent = req.params.get("parentId")
        if not parent:
            return _answer(error(400, "missingRequiredParameter", "No filter selected.", "global"))
        items = [self._resource(c) for c in self.replies_to(parent)]
        return respond(200, {"kind": "youtube#commentListResponse", "items": items})

    def _moderate(self, req: Req) -> Response:
        status = req.params.get("moderationStatus")
        ban = req.params.get("banAuthor") == "true"
        if status not in ("heldForReview", "published", "rejected"):
            return _answer(error(400, "invalidModerationStatus", "Invalid moderationStatus"))
        if ban and status != "rejected":
            return _answer(error(400, "banWithoutReject", "banAuthor needs rejected"))
        ids = [i for i in req.params.get("id", "").split(",") if i]
        missing = [i for i in ids if i not in self.comments]
        if not ids or missing:
            return _answer(error(404, "commentNotFound", f"Comment not found: {missing}"))
        for i in ids:
            if self.comments[i]["status"] == "rejected" and status == "published":
                return _answer(error(400, "operationNotSupported", "rejected is final"))
            self.comments[i]["status"] = status
            if ban:
                self.banned.add(self.comments[i]["author"])
        self.accept(req)
        return Response(status_code=204)


def build(state: FakeYouTubeWrites) -> FastAPI:
    def unauthorized() -> Response:
        return _answer(error(401, "authError", "Invalid Credentials", "global"))

    return build_app(state, state.route, unauthorized)
