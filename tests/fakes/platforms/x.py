"""A fake X API v2 write side: reply, hide reply, DM, block, unblock, plus the reads the responder
uses to look for its own earlier posts. Problem-JSON errors and `x-rate-limit-*` headers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Response

from tests.fakes.platforms.common import FakePlatform, Fault, Req, build_app, respond

PROBLEMS = "https://api.x.com/2/problems"


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> Fault:
    return Fault(status, {"title": title, "detail": detail, "type": kind, "status": status})


def rate_limited(reset_epoch: int) -> Fault:
    base = problem(429, "Too Many Requests", "Too Many Requests")
    headers = {
        "x-rate-limit-limit": "50",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(reset_epoch),
    }
    return Fault(base.status, base.body, headers)


def server_error() -> Fault:
    return problem(503, "Service Unavailable", "Service Unavailable")


def forbidden() -> Fault:
    return problem(
        403,
        "Forbidden",
        "You are not permitted to perform this action.",
        f"{PROBLEMS}/not-authorized-for-resource",
    )


def _error(f: Fault) -> Response:
    return respond(f.status, f.body, f.headers)


@dataclass
class FakeX(FakePlatform):
    account_id: str = "3001"
    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    dms: list[dict[str, str]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    block_available: bool = True

    def add_tweet(self, tweet_id: str, author_id: str = "777", text: str = "broken") -> None:
        with self.lock:
            self.tweets[tweet_id] = {"id": tweet_id, "author_id": author_id, "text": text}

    def replies_to(self, tweet_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [t for t in self.tweets.values() if t.get("in_reply_to") == tweet_id]

    def headers(self) -> dict[str, str]:
        reset = int(time.time()) + 900
        return {
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "99",
            "x-rate-limit-reset": str(reset),
        }

    def route(self, req: Req) -> Response:
        parts = req.path.strip("/").split("/")
        me = f"users/{self.account_id}"
        if req.method == "POST" and parts == ["2", "tweets"]:
            return self._reply(req)
        if req.method == "PUT" and parts[:2] == ["2", "tweets"] and parts[-1] == "hidden":
            return self._hide(parts[2], req)
        if req.method == "GET" and "/".join(parts[1:]) == f"{me}/tweets":
            return self._timeline()
        if parts[:3] == ["2", "dm_conversations", "with"] and len(parts) == 5:
            return self._dm(parts[3], req) if req.method == "POST" else self._dm_events(parts[3])
        if req.method == "POST" and "/".join(parts[1:]) == f"{me}/blocking":
            return self._block(req)
        if req.method == "DELETE" and "/".join(parts[1:4]) == f"{me}/blocking" and len(parts) == 5:
            return self._unblock(parts[4], req)
        return _error(
            problem(
                404,
                "Not Found Error",
                f"no route {req.method} {req.path}",
                f"{PROBLEMS}/resource-not-found",
            )
        )

    def _body(self, req: Req) -> dict[str, Any]:
        return req.json if isinstance(req.json, dict) else {}

    def _reply(self, req: Req) -> Response:
        body = self._body(req)
        target = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        text = body.get("text")
        if not isinstance(text, str) or not text or not target:
            return _error(
                problem(
                    400,
                    "Invalid Request",
                    "text and reply.in_reply_to_tweet_id",
                    f"{PROBLEMS}/invalid-request",
                )
            )
        if target not in self.tweets:
            return _error(
                problem(
                    404,
                    "Not Found Error",
                    f"Could not find tweet {target}",
                    f"{PROBLEMS}/resource-not-found",
                )
            )
        new_id = self.next_id("19")
        self.tweets[new_id] = {
            "id": new_id,
            "author_id": self.account_id,
            "text": text,
            "in_reply_to": target,
        }
        self.accept(req)
        return respond(
            201, {"data": {"id": new_id, "text": text, "edit_history_tweet_ids": [new_id]}}
        )

    def _hide(self, tweet_id: str, req: Req) -> Response:
        if self._body(req).get("hidden") is not True:
            return _error(
                problem(
                    400, "Invalid Request", "hidden must be true", f"{PROBLEMS}/invalid-request"
                )
            )
        if tweet_id not in self.tweets:
            return _error(
                problem(
                    404,
                    "Not Found Error",
                    f"Could not find tweet {tweet_id}",
                    f"{PROBLEMS}/resource-not-found",
                )
            )
        self.hidden.add(tweet_id)
        self.accept(req)
        return respond(200, {"data": {"hidden": True}})

    def _timeline(self) -> Response:
        mine = [t for t in self.tweets.values() if t["author_id"] == self.account_id]
        data = [
            {
                "id": t["id"],
                "text": t["text"],
                "referenced_tweets": [{"type": "replied_to", "id": t["in_reply_to"]}],
            }
            for t in reversed(mine)
        ]
        return respond(200, {"data": data, "meta": {"result_count": len(data)}})

    def _dm(self, participant: str, req: Req) -> Response:
        text = self._body(req).get("text")
        if not isinstance(text, str) or not text:
            return _error(
                problem(400, "Invalid Request", "text is required", f"{PROBLEMS}/invalid-request")
            )
        event_id = self.next_id("dm")
        self.dms.append(
            {"id": event_id, "participant": participant, "text": text, "sender_id": self.account_id}
        )
        self.accept(req)
        conversation = f"{participant}-{self.account_id}"
        return respond(201, {"data": {"dm_conversation_id": conversation, "dm_event_id": event_id}})

    def _dm_events(self, participant: str) -> Response:
        data = [
            {
                "id": d["id"],
                "event_type": "MessageCreate",
                "text": d["text"],
                "sender_id": d["sender_id"],
            }
            for d in self.dms
            if d["participant"] == participant
        ]
        return respond(200, {"data": data, "meta": {"result_count": len(data)}})

    def _block(self, req: Req) -> Response:
        if not self.block_available:
            return _error(forbidden())
        target = self._body(req).get("target_user_id")
        if not target:
            return _error(
                problem(
                    400,
                    "Invalid Request",
                    "target_user_id is required",
                    f"{PROBLEMS}/invalid-request",
                )
            )
        self.blocked.add(str(target))
        self.accept(req)
        return respond(200, {"data": {"blocking": True}})

    def _unblock(self, target: str, req: Req) -> Response:
        """`DELETE /2/users/:source_user_id/blocking/:target_user_id` →
        `{"data":{"blocking":false}}`; succeeds with no action for a user who is not blocked
        (X docs). An unknown user is a resource-not-found problem [UNVERIFIED]."""
        if not self.block_available:
            return _error(forbidden())
        known = target in self.blocked or any(
            t["author_id"] == target for t in self.tweets.values()
        )
        if not known:
            return _error(
                problem(
                    404,
                    "Not Found Error",
                    f"Could not find user with target_user_id: [{target}].",
                    f"{PROBLEMS}/resource-not-found",
                )
            )
        self.blocked.discard(target)
        self.accept(req)
        return respond(200, {"data": {"blocking": False}})


def build(state: FakeX) -> FastAPI:
    def unauthorized() -> Response:
        return _error(problem(401, "Unauthorized", "Unauthorized"))

    return build_app(state, state.route, unauthorized, state.headers)
