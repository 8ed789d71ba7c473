"""A fake Graph API for Facebook Pages and Instagram: comments, replies, private replies,
hide, delete, block, unblock; errors as Graph sends them (`error.code`, `error_subcode`,
`fbtrace_id`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Response

from tests.fakes.platforms.common import FakePlatform, Fault, Req, build_app, respond

VERSION = "/v21.0"


def graph_error(status: int, code: int, message: str, subcode: int | None = None) -> Fault:
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEf123",
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return Fault(status, {"error": error})


def gone(object_id: str) -> Response:
    f = graph_error(
        400,
        100,
        f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        33,
    )
    return respond(f.status, f.body)


def bad(message: str) -> Response:
    f = graph_error(400, 100, f"(#100) {message}")
    return respond(f.status, f.body)


def throttled(page_id: str, minutes: int) -> Fault:
    usage = {
        page_id: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 30,
                "total_time": 30,
                "estimated_time_to_regain_access": minutes,
            }
        ]
    }
    base = graph_error(400, 32, "(#32) Page request limit reached")
    return Fault(base.status, base.body, {"X-Business-Use-Case-Usage": json.dumps(usage)})


def server_error() -> Fault:
    base = graph_error(500, 2, "An unexpected error has occurred. Please retry your request later.")
    return Fault(base.status, base.body)


def permission_denied() -> Fault:
    return graph_error(403, 200, "(#200) Requires pages_manage_engagement permission")


@dataclass
class MetaComment:
    comment_id: str
    author_id: str
    text: str
    parent: str | None = None
    hidden: bool = False
    deleted: bool = False
    private_reply: str | None = None


@dataclass
class FakeGraph(FakePlatform):
    """`flavour` is `facebook` or `instagram`; the account is the page or IG user id."""

    account_id: str = "1001"
    flavour: str = "facebook"
    comments: dict[str, MetaComment] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)

    def add_comment(
        self,
        comment_id: str,
        author_id: str = "999",
        text: str = "broken",
        parent: str | None = None,
    ) -> None:
        with self.lock:
            self.comments[comment_id] = MetaComment(comment_id, author_id, text, parent)

    def replies_to(self, comment_id: str) -> list[MetaComment]:
        with self.lock:
            return [c for c in self.comments.values() if c.parent == comment_id]

    def live(self, comment_id: str) -> MetaComment | None:
        c = self.comments.get(comment_id)
        return c if c is not None and not c.deleted else None

    def route(self, req: Req) -> Response:
        if not req.path.startswith(VERSION + "/"):
            return bad(f"Unknown path components: {req.path}")
        parts = req.path[len(VERSION) + 1 :].split("/")
        head, edge = parts[0], (parts[1] if len(parts) > 1 else "")
        handler = {
            ("POST", "comments"): self._reply_fb,
            ("GET", "comments"): self._list_replies,
            ("POST", "replies"): self._reply_ig,
            ("GET", "replies"): self._list_replies,
            ("POST", "messages"): self._private_reply,
            ("POST", "blocked"): self._block,
            ("GET", "blocked"): self._list_blocked,
            ("DELETE", "blocked"): self._unblock,
            ("POST", ""): self._hide,
            ("GET", ""): self._read,
            ("DELETE", ""): self._delete,
        }.get((req.method, edge))
        if handler is None:
            return bad(f"Unsupported {req.method} request on {edge or 'node'}")
        return handler(head, req)

    def _post_reply(self, parent_id: str, message: str | None, req: Req) -> Response:
        parent = self.live(parent_id)
        if parent is None:
            return gone(parent_id)
        if not message:
            return bad("The parameter message is required")
        new_id = self.next_id(f"{parent_id}_r")
        self.comments[new_id] = MetaComment(new_id, self.account_id, message, parent_id)
        self.accept(req)
        return respond(200, {"id": new_id})

    def _reply_fb(self, comment_id: str, req: Req) -> Response:
        if self.flavour != "facebook":
            return bad("Unsupported post request")
        return self._post_reply(comment_id, req.form.get("message"), req)

    def _reply_ig(self, comment_id: str, req: Req) -> Response:
        if self.flavour != "instagram":
            return bad("Unsupported post request")
        parent = self.live(comment_id)
        if parent is not None and parent.parent is not None:
            return bad("Replies can only be made to top-level comments")
        # The IG API takes `message` as a query parameter, not a body (FACTS.md / clients).
        return self._post_reply(comment_id, req.params.get("message"), req)

    def _list_replies(self, comment_id: str, req: Req) -> Response:
        if self.live(comment_id) is None:
            return gone(comment_id)
        field_name = "message" if self.flavour == "facebook" else "text"
        data = [
            {"id": c.comment_id, field_name: c.text, "from": {"id": c.author_id}}
            for c in self.replies_to(comment_id)
            if not c.deleted
        ]
        return respond(200, {"data": data, "paging": {}})

    def _private_reply(self, account: str, req: Req) -> Response:
        if account != self.account_id:
            return bad("Invalid page or user id")
        body = req.json if isinstance(req.json, dict) else {}
        comment_id = (body.get("recipient") or {}).get("comment_id")
        text = (body.get("message") or {}).get("text")
        if not comment_id or not text:
            return bad("recipient.comment_id and message.text are required")
        comment = self.live(comment_id)
        if comment is None:
            return gone(comment_id)
        if comment.private_reply is not None:
            f = graph_error(400, 10, "(#10) This comment already has a private reply", 2018278)
            return respond(f.status, f.body)
        comment.private_reply = self.next_id("m_")
        self.accept(req)
        return respond(
            200, {"recipient_id": comment.author_id, "message_id": comment.private_reply}
        )

    def _block(self, page: str, req: Req) -> Response:
        if self.flavour != "facebook" or page != self.account_id:
            return bad("Unsupported post request")
        users = json.loads(req.form.get("user", "[]"))
        if not isinstance(users, list) or not users:
            return bad("The parameter user is required")
        self.blocked.update(str(u) for u in users)
        self.accept(req)
        return respond(200, {str(u): True for u in users})

    def _list_blocked(self, page: str, req: Req) -> Response:
        """`GET /{page-id}/blocked?user=…`: the profile in `data` when it is blocked, else an
        empty list [SDK `Page.get_blocked`; the empty answer for a profile not blocked is
        UNVERIFIED]."""
        if self.flavour != "facebook" or page != self.account_id:
            return bad("Unsupported get request")
        user = req.params.get("user") or req.params.get("uid")
        listed = sorted(self.blocked) if user is None else [u for u in (user,) if u in self.blocked]
        return respond(200, {"data": [{"id": u, "name": "Profile"} for u in listed]})

    def _unblock(self, page: str, req: Req) -> Response:
        """`DELETE /{page-id}/blocked` names one profile (`user`, `uid`, `psid` or `asid`), not a
        list as the POST does [SDK `Page.delete_blocked`]. An id the page has never seen is an
        invalid parameter; one that is known but not blocked succeeds as a no-op [UNVERIFIED]."""
        if self.flavour != "facebook" or page != self.account_id:
            return bad("Unsupported delete request")
        given = [
            v
            for k in ("user", "uid", "psid", "asid")
            if (v := req.params.get(k) or req.form.get(k))
        ]
        if len(given) != 1:
            return bad("Exactly one of user, uid, psid or asid is required")
        [user] = given
        known = user in self.blocked or any(c.author_id == user for c in self.comments.values())
        if not known:
            return bad(f"Invalid user id {user}")
        self.blocked.discard(user)
        self.accept(req)
        return respond(200, {"success": True})

    def _hide(self, comment_id: str, req: Req) -> Response:
        comment = self.live(comment_id)
        if comment is None:
            return gone(comment_id)
        flag = req.form.get("is_hidden") if self.flavour == "facebook" else req.params.get("hide")
        if flag not in ("true", "false"):
            return bad("is_hidden (facebook) or hide (instagram) must be true or false")
        comment.hidden = flag == "true"
        self.accept(req)
        return respond(200, {"success": True})

    def _read(self, comment_id: str, req: Req) -> Response:
        comment = self.live(comment_id)
        if comment is None:
            return gone(comment_id)
        body: dict[str, Any] = {
            "id": comment_id,
            "is_hidden": comment.hidden,
            "can_reply_privately": comment.private_reply is None,
        }
        if comment.private_reply is not None:
            body["private_reply_conversation"] = {"id": f"t_{comment.private_reply}"}
        return respond(200, body)

    def _delete(self, comment_id: str, req: Req) -> Response:
        comment = self.live(comment_id)
        if comment is None:
            return gone(comment_id)
        comment.deleted = True
        self.accept(req)
        return respond(200, {"success": True})


def build(state: FakeGraph) -> FastAPI:
    def unauthorized() -> Response:
        f = graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")
        return respond(f.status, f.body)

    return build_app(state, state.route, unauthorized)
