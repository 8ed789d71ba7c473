"""YouTube Data API v3: reply, and moderation by status (held, rejected, rejected + banned).

`comments.delete` works only on the channel's own comments, so removing a viewer's comment is a
`setModerationStatus=rejected`; there are no private messages on YouTube.
"""

from __future__ import annotations

from typing import Any

from services.responder.adapters.http import (
    Call,
    HttpAdapter,
    NoCall,
    found,
    lookup_failed,
    top_level_id,
)
from services.responder.domain.model import ActionRequest, ActionResult
from shared.contracts import Platform

MODERATE = "/comments/setModerationStatus"


class YouTubeAdapter(HttpAdapter):
    """The account id is the channel id; the token is an OAuth token (scope youtube.force-ssl)."""

    platform: Platform = "youtube"

    def plan_call(self, request: ActionRequest) -> Call | NoCall:
        comment = request.comment_id
        if request.kind in ("reply", "request_deletion"):
            body = {"snippet": {"parentId": top_level_id(request), "textOriginal": request.text}}
            return Call("POST", "/comments", "reply", params={"part": "snippet"}, json=body)
        if request.kind == "private_reply":
            return NoCall(
                "skipped",
                "YouTube has no private messages: the public reply carries the invitation",
            )
        if request.kind == "hide":
            params = {"id": comment, "moderationStatus": "heldForReview"}
            return Call("POST", MODERATE, "held_for_review", params=params)
        if request.kind == "unhide":
            params = {"id": comment, "moderationStatus": "published"}
            return Call("POST", MODERATE, "published", params=params)
        if request.kind == "delete":
            params = {"id": comment, "moderationStatus": "rejected"}
            return Call("POST", MODERATE, "rejected", params=params)
        if request.kind == "block_author":
            params = {"id": comment, "moderationStatus": "rejected", "banAuthor": "true"}
            return Call("POST", MODERATE, "rejected_and_banned", params=params)
        if request.kind == "unblock_author":
            return NoCall(
                "skipped",
                "unblock_author is not supported on YouTube: the Data API can ban an author "
                f"(banAuthor) but not lift a ban; unban channel {request.author_id} in YouTube "
                "Studio if needed",
            )
        return NoCall("failed", f"youtube adapter cannot perform {request.kind}")

    def platform_ref(self, request: ActionRequest, call: Call, body: Any) -> str | None:
        if isinstance(body, dict) and call.performed_as == "reply":
            return str(body.get("id") or "") or None
        return request.comment_id

    async def lookup(self, request: ActionRequest) -> ActionResult | None:
        answer = await self.client.get(
            request.account_id,
            "/comments",
            {
                "part": "snippet",
                "parentId": top_level_id(request),
                "maxResults": "100",
                "textFormat": "plainText",
            },
        )
        if answer.verdict.kind != "ok":
            return lookup_failed(request, answer.verdict.reason)
        items = answer.body.get("items", []) if isinstance(answer.body, dict) else []
        for item in items:
            snippet = item.get("snippet", {})
            author = (snippet.get("authorChannelId") or {}).get("value")
            if author == request.account_id and snippet.get("textOriginal") == request.text:
                return found(request, str(item.get("id")), "reply")
        return None
