"""Instagram through the Graph API: reply, private reply, hide, delete; no block (or unblock)
API exists."""

from __future__ import annotations

from typing import Any

from services.responder.adapters.http import (
    Call,
    HttpAdapter,
    NoCall,
    data_items,
    found,
    lookup_failed,
    top_level_id,
)
from services.responder.domain.model import ActionRequest, ActionResult
from shared.contracts import Platform


class InstagramAdapter(HttpAdapter):
    """The account is the IG professional account id; replies nest under the top-level comment."""

    platform: Platform = "instagram"

    def plan_call(self, request: ActionRequest) -> Call | NoCall:
        comment = request.comment_id
        if request.kind in ("reply", "request_deletion"):
            # The IG API takes `message` as a query parameter here, not as a body.
            path = f"/{top_level_id(request)}/replies"
            return Call("POST", path, "reply", params={"message": request.text or ""})
        if request.kind == "private_reply":
            body = {"recipient": {"comment_id": comment}, "message": {"text": request.text}}
            return Call("POST", f"/{request.account_id}/messages", "private_reply", json=body)
        if request.kind == "hide":
            return Call("POST", f"/{comment}", "hide", params={"hide": "true"})
        if request.kind == "unhide":
            return Call("POST", f"/{comment}", "unhide", params={"hide": "false"})
        if request.kind == "delete":
            return Call("DELETE", f"/{comment}", "delete")
        if request.kind == "block_author":
            return NoCall(
                "skipped",
                f"Instagram's API has no block endpoint: block user {request.author_id} in the "
                "Instagram app if needed",
            )
        if request.kind == "unblock_author":
            return NoCall(
                "skipped",
                "unblock_author is not supported on Instagram: its API has no block endpoint; "
                f"unblock user {request.author_id} in the Instagram app if needed",
            )
        return NoCall("failed", f"instagram adapter cannot perform {request.kind}")

    def platform_ref(self, request: ActionRequest, call: Call, body: Any) -> str | None:
        if isinstance(body, dict) and call.performed_as == "reply":
            return str(body.get("id") or "") or None
        if isinstance(body, dict) and call.performed_as == "private_reply":
            return str(body.get("message_id") or "") or None
        return request.comment_id

    async def lookup(self, request: ActionRequest) -> ActionResult | None:
        """Replies are listed under the top-level comment; a private reply cannot be looked up,
        but Instagram itself refuses a second one for the same comment."""
        if request.kind == "private_reply":
            return None
        answer = await self.client.get(
            request.account_id,
            f"/{top_level_id(request)}/replies",
            {"fields": "id,text,from", "limit": "100"},
        )
        if answer.verdict.kind != "ok":
            return lookup_failed(request, answer.verdict.reason)
        for item in data_items(answer.body):
            author = item.get("from") or {}
            if author.get("id") == request.account_id and item.get("text") == request.text:
                return found(request, str(item.get("id")), "reply")
        return None
