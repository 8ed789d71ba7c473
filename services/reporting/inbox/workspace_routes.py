"""The inbox's workspace forms: reply, moderate, assign, note, correct, decide on the police,
and the presence beat. Each form calls the same use case as the HTTP API, so rights, checks
and the audit trail are one; a refusal re-renders the exchange with the reason."""

from __future__ import annotations

import logging
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from services.reporting.domain.workspace import NeedsConfirmation, WorkspaceError, require
from services.reporting.inbox.thread_page import thread_context
from services.reporting.inbox.web import PREFIX, Inbox, SignedIn, check_csrf, render, signed_in

log = logging.getLogger(__name__)


def _back(thread_id: str, sent: str) -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/threads/{thread_id}?sent={sent}", status_code=303)


async def _refused(
    inbox: Inbox,
    request: Request,
    who: SignedIn,
    thread_id: str,
    exc: WorkspaceError,
    extra: dict[str, Any] | None = None,
) -> Response:
    context = await thread_context(inbox, thread_id, who)
    context["error"] = exc.message
    if isinstance(exc, NeedsConfirmation):
        context["warnings"] = exc.warnings
    return render(
        inbox, request, "thread.html", {**context, **(extra or {})}, who, status_code=exc.status
    )


def workspace_routes(inbox: Inbox, router: APIRouter) -> None:
    ws = inbox.workspace

    @router.post("/threads/{thread_id:path}/reply")
    async def reply(
        request: Request,
        thread_id: str,
        text: Annotated[str, Form(max_length=5_000)],
        csrf: Annotated[str | None, Form()] = None,
        comment_id: Annotated[str | None, Form()] = None,
        private: Annotated[bool, Form()] = False,
        confirm: Annotated[bool, Form()] = False,
    ) -> Response:
        who = await signed_in(inbox, request)
        check_csrf(inbox, who, csrf)
        try:
            await ws.actions.reply(
                who.principal,
                thread_id,
                text,
                private=private,
                comment_id=comment_id or None,
                confirm=confirm,
            )
        except WorkspaceError as exc:
            draft = {"draft": {"text": text, "private": private, "comment_id": comment_id}}
            return await _refused(inbox, request, who, thread_id, exc, draft)
        return _back(thread_id, "private_reply" if private else "reply")

    @router.post("/threads/{thread_id:path}/moderation")
    async def moderation(
        request: Request,
        thread_id: str,
        action: Annotated[str, Form(max_length=40)],
        csrf: Annotated[str | None, Form()] = None,
        comment_id: Annotated[str | None, Form()] = None,
    ) -> Response:
        who = await signed_in(inbox, request)
        check_csrf(inbox, who, csrf)
        try:
            await ws.actions.moderate(who.principal, thread_id, action, comment_id or None)
        except WorkspaceError as exc:
            return await _refused(inbox, request, who, thread_id, exc)
        return _back(thread_id, action)

    @router.post("/threads/{thread_id:path}/assignee")
    async def assignee(
        request: Request,
        thread_id: str,
        csrf: Annotated[str | None, Form()] = None,
        agent: Annotated[str, Form(max_length=100)] = "",
    ) -> Response:
        who = await signed_in(inbox, request)
        check_csrf(inbox, who, csrf)
        try:
            await ws.assignments.assign(who.principal, thread_id, agent.strip() or None)
        except WorkspaceError as exc:
            return await _refused(inbox, request, who, thread_id, exc)
        return _back(thread_id, "assign")

    @router.post("/threads/{thread_id:path}/notes")
    async def note(
        request: Request,
        thread_id: str,
        text: Annotated[str, Form(max_length=10_000)],
        csrf: Annotated[str | None, Form()] = None,
    ) -> Response:
        who = await signed_in(inbox, request)
        check_csrf(inbox, who, csrf)
        try:
            await ws.assignments.note(who.principal, thread_id, text)
        except WorkspaceError as exc:
            return await _refused(inbox, request, who, thread_id, exc)
        return _back(thread_id, "note")

    @router.post("/threads/{thread_id:path}/corrections")
    async def correction(
        request: Request,
        thread_id: str,
        platform: Annotated[str, Form(max_length=20)],
        comment_id: Annotated[str, Form(max_length=300)],
        csrf: Annotated[str | None, Form()] = None,
        labels: Annotated[list[str] | None, Form()] = None,
        note: Annotated[str, Form(max_length=2_000)] = "",
    ) -> Response:
        who = await signed_in(inbox, request)
        check_csrf(inbox, who, csrf)
        try:
            await ws.corrections.correct(who.principal, platform, comment_id, labels or [], note)
        except WorkspaceError as exc:
            return await _refused(inbox, request, who, thread_id, exc)
        return _back(thread_id, "correction")

    @router.post("/threads/{thread_id:path}/police-report")
    async def police(
        request: Request,
        thread_id: str,
        reported: Annotated[str, Form(pattern="^(yes|no)$")],
        csrf: Annotated[str | None, Form()] = None,
        case_ref: Annotated[str, Form(max_length=200)] = "",
        reason: Annotated[str, Form(max_length=5_000)] = "",
    ) -> Response:
        who = await signed_in(inbox, request)
        check_csrf(inbox, who, csrf)
        try:
            await ws.police.decide(
                who.principal, thread_id, reported == "yes", case_ref or None, reason or None
            )
        except WorkspaceError as exc:
            return await _refused(inbox, request, who, thread_id, exc)
        return _back(thread_id, "police_report")

    @router.post("/threads/{thread_id:path}/presence")
    async def presence(
        request: Request,
        thread_id: str,
        csrf: Annotated[str | None, Form()] = None,
        state: Annotated[str, Form(pattern="^(viewing|writing)$")] = "viewing",
    ) -> Response:
        """The page's beat: marks this agent, answers who else is here."""
        who = await signed_in(inbox, request)
        check_csrf(inbox, who, csrf)
        await inbox.presence.mark(thread_id, who.agent, state)  # type: ignore[arg-type]
        others = await inbox.presence.others(thread_id, who.agent)
        return JSONResponse([{"agent": p.agent, "state": p.state} for p in others])


BULK_LIMIT = 100


def bulk_routes(inbox: Inbox, router: APIRouter) -> None:
    """Resolve, take or hide several exchanges at once; each one is its own audited command,
    and one refused exchange does not stop the others (the notice counts both)."""
    ws = inbox.workspace

    @router.post("/bulk")
    async def bulk(
        request: Request,
        action: Annotated[str, Form(pattern="^(resolve|assign_me|hide)$")],
        csrf: Annotated[str | None, Form()] = None,
        thread: Annotated[list[str] | None, Form()] = None,
    ) -> Response:
        who = await signed_in(inbox, request)
        check_csrf(inbox, who, csrf)
        threads = list(dict.fromkeys(thread or []))[:BULK_LIMIT]
        done, refused = 0, 0
        for thread_id in threads:
            try:
                if action == "resolve":
                    await ws.states.resolve(who.principal, thread_id)
                elif action == "assign_me":
                    await ws.assignments.assign(who.principal, thread_id, who.agent)
                else:
                    await ws.actions.moderate(who.principal, thread_id, "hide", None)
                done += 1
            except WorkspaceError as exc:
                refused += 1
                log.info(
                    "bulk %s refused: %s", action, exc.message, extra={"correlation_id": thread_id}
                )
        summary = f"{action} {done}/{len(threads)}" + (f", {refused} refused" if refused else "")
        return RedirectResponse(f"{PREFIX}/?done={quote(summary)}", status_code=303)


def admin_routes(inbox: Inbox, router: APIRouter) -> None:
    """Canned replies (everyone reads, admins edit) and the audit log (supervisors)."""
    ws = inbox.workspace

    async def canned_page(
        request: Request, who: SignedIn, error: str | None, code: int
    ) -> Response:
        replies = await ws.canned.find()
        context = {"replies": replies, "error": error}
        return render(inbox, request, "canned.html", context, who, status_code=code)

    @router.get("/canned")
    async def canned(request: Request) -> Response:
        who = await signed_in(inbox, request)
        return await canned_page(request, who, None, 200)

    @router.post("/canned")
    async def save_canned(
        request: Request,
        account_id: Annotated[str, Form(max_length=200)],
        lang: Annotated[str, Form(max_length=8)],
        title: Annotated[str, Form(max_length=200)],
        body: Annotated[str, Form(max_length=5_000)],
        csrf: Annotated[str | None, Form()] = None,
        reply_id: Annotated[int | None, Form(ge=1, le=2**63 - 1)] = None,
    ) -> Response:
        who = await signed_in(inbox, request)
        check_csrf(inbox, who, csrf)
        try:
            await ws.canned.save(who.principal, account_id, lang, title, body, reply_id)
        except WorkspaceError as exc:
            return await canned_page(request, who, exc.message, exc.status)
        return RedirectResponse(f"{PREFIX}/canned", status_code=303)

    @router.post("/canned/{reply_id}/remove")
    async def remove_canned(
        request: Request,
        reply_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
        csrf: Annotated[str | None, Form()] = None,
    ) -> Response:
        who = await signed_in(inbox, request)
        check_csrf(inbox, who, csrf)
        try:
            await ws.canned.remove(who.principal, reply_id)
        except WorkspaceError as exc:
            return await canned_page(request, who, exc.message, exc.status)
        return RedirectResponse(f"{PREFIX}/canned", status_code=303)

    @router.get("/audit")
    async def audit_page(request: Request) -> Response:
        who = await signed_in(inbox, request)
        try:
            require(who.principal, "read_audit")
        except WorkspaceError as exc:
            raise HTTPException(exc.status, exc.message) from exc
        entries = list(reversed(await ws.people.audit_log(limit=500)))
        return render(inbox, request, "audit.html", {"entries": entries}, who)
