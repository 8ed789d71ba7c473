"""A local YouTube Data API v3 `commentThreads.list`, faithful where the poller depends on it.

Paging with opaque `pageToken`s, `order=time` (newest first), `allThreadsRelatedToChannelId`,
`maxResults` 1..100, API key (`key=`) or bearer auth, and the documented error bodies: 400 for bad
parameters and page tokens, 401/403 for auth, 403 `quotaExceeded` once the daily units are spent.
Each list call costs 1 unit. `requests` records every call so tests can see what was asked.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def google_error(
    code: int, reason: str, message: str, domain: str = "youtube.parameter"
) -> JSONResponse:
    body = {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
        }
    }
    return JSONResponse(body, status_code=code)


@dataclass
class FakeComment:
    comment_id: str
    channel: str
    video_id: str
    author_id: str
    author_name: str
    text: str
    published_at: datetime
    updated_at: datetime
    parent_id: str | None = None

    def resource(self) -> dict[str, Any]:
        snippet: dict[str, Any] = {
            "channelId": self.channel,
            "videoId": self.video_id,
            "textDisplay": self.text,
            "textOriginal": self.text,
            "authorDisplayName": self.author_name,
            "authorProfileImageUrl": "https://yt3.ggpht.com/a/default.jpg",
            "authorChannelUrl": f"http://www.youtube.com/channel/{self.author_id}",
            "authorChannelId": {"value": self.author_id},
            "canRate": True,
            "viewerRating": "none",
            "likeCount": 0,
            "publishedAt": _ts(self.published_at),
            "updatedAt": _ts(self.updated_at),
        }
        if self.parent_id:
            snippet["parentId"] = self.parent_id
        return {"kind": "youtube#comment", "etag": "e", "id": self.comment_id, "snippet": snippet}


@dataclass
class FakeYouTube:
    """State of the fake API; mutate it from the test while the server runs."""

    api_key: str = "yt-test-key"
    bearer: str = "yt-test-token"
    quota_limit: int = 10_000
    units_used: int = 0
    threads: list[FakeComment] = field(default_factory=list)
    replies: dict[str, list[FakeComment]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_thread(
        self, channel: str, comment_id: str, published_at: datetime, **kw: Any
    ) -> FakeComment:
        comment = FakeComment(
            comment_id=comment_id,
            channel=channel,
            video_id=kw.get("video_id", "vid-1"),
            author_id=kw.get("author_id", f"UC_viewer_{comment_id}"),
            author_name=kw.get("author_name", "Viewer"),
            text=kw.get("text", f"comment {comment_id}"),
            published_at=published_at,
            updated_at=kw.get("updated_at", published_at),
        )
        with self.lock:
            self.threads.append(comment)
        return comment

    def add_reply(self, thread_id: str, comment_id: str, published_at: datetime, **kw: Any) -> None:
        top = next(t for t in self.threads if t.comment_id == thread_id)
        reply = FakeComment(
            comment_id=comment_id,
            channel=top.channel,
            video_id=top.video_id,
            author_id=kw.get("author_id", f"UC_viewer_{comment_id}"),
            author_name=kw.get("author_name", "Viewer"),
            text=kw.get("text", f"reply {comment_id}"),
            published_at=published_at,
            updated_at=published_at,
            parent_id=thread_id,
        )
        with self.lock:
            self.replies.setdefault(thread_id, []).append(reply)

    def edit(self, comment_id: str, text: str, updated_at: datetime) -> None:
        with self.lock:
            comment = next(t for t in self.threads if t.comment_id == comment_id)
            comment.text, comment.updated_at = text, updated_at

    def list_calls(self) -> list[dict[str, str]]:
        with self.lock:
            return list(self.requests)

    def _thread(self, top: FakeComment, with_replies: bool) -> dict[str, Any]:
        replies = self.replies.get(top.comment_id, [])
        item: dict[str, Any] = {
            "kind": "youtube#commentThread",
            "etag": "t",
            "id": top.comment_id,
            "snippet": {
                "channelId": top.channel,
                "videoId": top.video_id,
                "topLevelComment": top.resource(),
                "canReply": True,
                "totalReplyCount": len(replies),
                "isPublic": True,
            },
        }
        if with_replies and replies:
            item["replies"] = {"comments": [r.resource() for r in replies[:5]]}
        return item


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _offset(token: str) -> int | None:
    try:
        kind, _, value = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
        return int(value) if kind == "offset" else None
    except (ValueError, UnicodeDecodeError):
        return None


def _auth_error(state: FakeYouTube, request: Request) -> JSONResponse | None:
    key = request.query_params.get("key")
    auth = request.headers.get("authorization", "")
    if auth:
        if auth != f"Bearer {state.bearer}":
            return google_error(401, "authError", "Invalid Credentials", "global")
        return None
    if key is None:
        return google_error(403, "forbidden", "The request is missing a valid API key.", "global")
    if key != state.api_key:
        return google_error(
            400, "keyInvalid", "API key not valid. Please pass a valid API key.", "usageLimits"
        )
    return None


def build_app(state: FakeYouTube) -> FastAPI:
    app = FastAPI()

    @app.get("/youtube/v3/commentThreads")
    async def comment_threads(request: Request) -> JSONResponse:
        params = dict(request.query_params)
        with state.lock:
            state.requests.append(params)
        refused = _auth_error(state, request)
        if refused is not None:
            return refused
        with state.lock:
            if state.units_used + 1 > state.quota_limit:
                return google_error(
                    403,
                    "quotaExceeded",
                    "The request cannot be completed because you have exceeded your quota.",
                    "youtube.quota",
                )
            state.units_used += 1
        return _list(state, params)

    return app


def _list(state: FakeYouTube, params: dict[str, str]) -> JSONResponse:
    parts = set(params.get("part", "").split(","))
    if not parts or not parts <= {"id", "snippet", "replies"} or parts == {""}:
        return google_error(
            400, "missingRequiredParameter", "No filter selected. Expected one of: part"
        )
    channel = params.get("allThreadsRelatedToChannelId")
    if not channel:
        return google_error(400, "missingRequiredParameter", "No filter selected.")
    try:
        max_results = int(params.get("maxResults", "20"))
    except ValueError:
        max_results = -1
    if not 1 <= max_results <= 100:
        return google_error(400, "invalidParameter", "Invalid value for parameter maxResults")
    if params.get("order", "time") not in {"time", "relevance"}:
        return google_error(400, "invalidParameter", "Invalid value for parameter order")
    offset = 0
    if "pageToken" in params:
        found = _offset(params["pageToken"])
        if found is None:
            return google_error(
                400, "invalidPageToken", "The request specifies an invalid page token."
            )
        offset = found
    with state.lock:
        threads = [t for t in state.threads if t.channel == channel]
        threads.sort(key=lambda t: (t.published_at, t.comment_id), reverse=True)
        page = threads[offset : offset + max_results]
        items = [state._thread(t, "replies" in parts) for t in page]
    body: dict[str, Any] = {
        "kind": "youtube#commentThreadListResponse",
        "etag": "l",
        "pageInfo": {"totalResults": len(page), "resultsPerPage": max_results},
        "items": items,
    }
    if offset + max_results < len(threads):
        body["nextPageToken"] = _token(offset + max_results)
    return JSONResponse(body)
