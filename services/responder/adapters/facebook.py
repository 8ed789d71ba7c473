"""Facebook Pages through the Graph API: reply, private reply, hide, delete, block and unblock
the author."""

from __future__ import annotations

import json
from typing import Any

from services.responder.adapters.http import (
    Call,
    HttpAdapter,
    NoCall,
    data_items,
    found,
    lookup_failed,
)
from services.responder.domain.model import ActionRequest, ActionResult
from shared.contracts import Platform
from shared.contracts.actions import TEXT_KINDS


class FacebookAdapter(HttpAdapter):
    """The page is the account; its Page access token comes from the token book."""

    platform: Platform = "facebook"
    checked_kinds: frozenset[str] = TEXT_KINDS | {"hide", "block_author"}
    """A hide or a block is idempotent, but a crash must not make it happen twice at the
    platform (a second block shows in the page's history and counts against its rate)."""

    def plan_call(self, request: ActionRequest) -> Call | NoCall:
        page, comment = request.account_id, request.comment_id
        if request.kind in ("reply", "request_deletion"):
            message = {"message": request.text or ""}
            return Call("POST", f"/{comment}/comments", "reply", data=message)
        if request.kind == "private_reply":
            body = {"recipient": {"comment_id": comment}, "message": {"text": request.text}}
            return Call("POST", f"/{page}/messages", "private_reply", json=body)
        if request.kind == "hide":
            return Call("POST", f"/{comment}", "hide", data={"is_hidden": "true"})
        if request.kind == "unhide":
            return Call("POST", f"/{comment}", "unhide", data={"is_hidden": "false"})
        if request.kind == "delete":
            return Call("DELETE", f"/{comment}", "delete")
        if request.kind == "block_author":
            users = json.dumps([request.author_id])
            return Call("POST", f"/{page}/blocked", "block_author", data={"user": users})
        if request.kind == "unblock_author":
            # DELETE takes one id, not a list; sent as a query parameter like every Graph DELETE.
            params = {"user": request.author_id}
            return Call("DELETE", f"/{page}/blocked", "unblock_author", params=params)
        return NoCall("failed", f"facebook adapter cannot perform {request.kind}")

    def platform_ref(self, request: ActionRequest, call: Call, body: Any) -> str | None:
        if isinstance(body, dict):
            if call.performed_as == "reply":
                return str(body.get("id") or "") or None
            if call.performed_as == "private_reply":
                return str(body.get("message_id") or "") or None
        if call.performed_as in ("block_author", "unblock_author"):
            return request.author_id
        return request.comment_id

    async def lookup(self, request: ActionRequest) -> ActionResult | None:
        if request.kind == "private_reply":
            return await self._private_reply_made(request)
        if request.kind == "hide":
            return await self._hidden(request)
        if request.kind == "block_author":
            return await self._blocked(request)
        answer = await self.client.get(
            request.account_id,
            f"/{request.comment_id}/comments",
            {"fields": "id,message,from", "limit": "100", "filter": "stream"},
        )
        if answer.verdict.kind != "ok":
            return lookup_failed(request, answer.verdict.reason)
        for item in data_items(answer.body):
            author = item.get("from") or {}
            if author.get("id") == request.account_id and item.get("message") == request.text:
                return found(request, str(item.get("id")), "reply")
        return None

    async def _hidden(self, request: ActionRequest) -> ActionResult | None:
        answer = await self.client.get(
            request.account_id, f"/{request.comment_id}", {"fields": "id,is_hidden"}
        )
        if answer.verdict.kind != "ok":
            return lookup_failed(request, answer.verdict.reason)
        body = answer.body if isinstance(answer.body, dict) else {}
        return found(request, request.comment_id, "hide") if body.get("is_hidden") else None

    async def _blocked(self, request: ActionRequest) -> ActionResult | None:
        """`GET /{page-id}/blocked?user=…` lists the profile when the page has blocked it
        [facebook-python-business-sdk `Page.get_blocked`, params user/uid]."""
        answer = await self.client.get(
            request.account_id, f"/{request.account_id}/blocked", {"user": request.author_id}
        )
        if answer.verdict.kind != "ok":
            return lookup_failed(request, answer.verdict.reason)
        listed = {str(item.get("id")) for item in data_items(answer.body)}
        return (
            found(request, request.author_id, "block_author")
            if request.author_id in listed
            else None
        )

    async def _private_reply_made(self, request: ActionRequest) -> ActionResult | None:
        """Meta allows one private reply per comment and shows it on the comment itself."""
        answer = await self.client.get(
            request.account_id,
            f"/{request.comment_id}",
            {"fields": "id,can_reply_privately,private_reply_conversation"},
        )
        if answer.verdict.kind != "ok":
            return lookup_failed(request, answer.verdict.reason)
        body = answer.body if isinstance(answer.body, dict) else {}
        conversation = body.get("private_reply_conversation")
        if conversation:
            ref = str(conversation.get("id")) if isinstance(conversation, dict) else None
            return found(request, ref, "private_reply")
        return None
