"""The inbox's pages and forms; every POST carries a CSRF token and becomes one AgentCommand."""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, HTTPException, Query, Request, status
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from services.reporting.domain.timeline import build_thread_view
from services.reporting.inbox.i18n import LANGUAGES
from services.reporting.inbox.live import event_stream
from services.reporting.inbox.queries import QueueQuery, evidence_export
from services.reporting.inbox.session import COOKIE, MAX_AGE_S
from services.reporting.inbox.web import (
    HERE,
    LANG_COOKIE,
    PREFIX,
    Inbox,
    LoginRequired,
    agent_session,
    check_csrf,
    render,
    secure_cookie,
    to_login,
)
from shared.clock import utcnow
from shared.contracts import AgentCommand
from shared.contracts.actions import TEXT_KINDS
from shared.contracts.alerts import RISK_BANDS
from shared.db.models import ReportingActionRow
from shared.http_auth import key_matches

log = logging.getLogger(__name__)
PRE_COOKIE = "sc_inbox_pre"


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=status.HTTP_303_SEE_OTHER)


def login_routes(inbox: Inbox, router: APIRouter) -> None:
    @router.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request, failed: bool = False) -> Response:
        """Double-submit token: the login form is CSRF-protected before any session exists."""
        pre = secrets.token_urlsafe(18)
        context = {"pre": pre, "failed": failed}
        response = render(inbox, request, "login.html", context, status_code=401 if failed else 200)
        response.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="strict", path=PREFIX)
        return response

    @router.post("/login")
    async def login(
        request: Request,
        api_key: Annotated[str, Form()],
        agent: Annotated[str, Form(max_length=200)],
        pre: Annotated[str | None, Form()] = None,
    ) -> Response:
        cookie = request.cookies.get(PRE_COOKIE)
        if not cookie or not pre or not secrets.compare_digest(cookie, pre):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "login form expired: reload it")
        if not key_matches(api_key, inbox.keys):
            log.warning("inbox login refused for %r: key is not one of REPORTING_API_KEYS", agent)
            return _redirect(f"{PREFIX}/login?failed=true")
        _session, value = inbox.signer.new(agent.strip() or "agent")
        response = _redirect(f"{PREFIX}/")
        response.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE_S,
            httponly=True,
            samesite="strict",
            secure=secure_cookie(request),
            path=PREFIX,
        )
        response.delete_cookie(PRE_COOKIE, path=PREFIX)
        return response

    @router.post("/logout")
    async def logout(request: Request, csrf: Annotated[str | None, Form()] = None) -> Response:
        check_csrf(inbox, agent_session(inbox, request), csrf)
        response = _redirect(f"{PREFIX}/login")
        response.delete_cookie(COOKIE, path=PREFIX)
        return response

    @router.get("/lang/{code}")
    async def switch_language(
        code: str, next_: Annotated[str, Query(alias="next")] = ""
    ) -> Response:
        """A preference, not a state change on the system: a plain link sets it."""
        if code not in LANGUAGES:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no interface language {code!r}")
        target = next_ if next_.startswith(f"{PREFIX}/") else f"{PREFIX}/"
        response = _redirect(target)
        response.set_cookie(LANG_COOKIE, code, httponly=True, samesite="strict", path=PREFIX)
        return response


def page_routes(inbox: Inbox, router: APIRouter) -> None:
    @router.get("/", response_class=HTMLResponse)
    async def queue(
        request: Request,
        status_: Annotated[str, Query(alias="status")] = "open",
        platform: str = "",
        account: str = "",
        category: str = "",
        risk: str = "",
        lang: str = "",
        q: str = "",
    ) -> Response:
        session = agent_session(inbox, request)
        query = QueueQuery(status_, platform, account, category, risk, lang, q.strip())
        rows = await inbox.queries.queue(query, utcnow())
        context = {"rows": rows, "query": query, "bands": RISK_BANDS}
        return render(inbox, request, "queue.html", context, session)

    @router.get("/threads/{thread_id:path}/evidence.json")
    async def evidence_json(request: Request, thread_id: str) -> Response:
        agent_session(inbox, request)
        actions, decisions = await inbox.queries.evidence(thread_id)
        if not actions:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no evidence kept for {thread_id!r}")
        body = evidence_export(thread_id, actions, decisions)
        filename = "evidence-" + "".join(c if c.isalnum() else "-" for c in thread_id) + ".json"
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        return JSONResponse(body, headers=headers)

    @router.get("/threads/{thread_id:path}/evidence", response_class=HTMLResponse)
    async def evidence_page(request: Request, thread_id: str) -> Response:
        session = agent_session(inbox, request)
        actions, decisions = await inbox.queries.evidence(thread_id)
        if not actions:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no evidence kept for {thread_id!r}")
        export = evidence_export(thread_id, actions, decisions)
        return render(inbox, request, "evidence.html", {"export": export}, session)

    @router.get("/threads/{thread_id:path}", response_class=HTMLResponse)
    async def thread(request: Request, thread_id: str, sent: str = "") -> Response:
        session = agent_session(inbox, request)
        context = await thread_context(inbox, thread_id)
        return render(inbox, request, "thread.html", {**context, "sent": sent}, session)

    @router.get("/threats", response_class=HTMLResponse)
    async def threats(request: Request) -> Response:
        session = agent_session(inbox, request)
        rows = await inbox.queries.threats()
        return render(inbox, request, "threats.html", {"threats": rows}, session)

    @router.get("/events")
    async def events(request: Request) -> Response:
        """Server-Sent Events: a notice per stream entry, so pages refresh what changed."""
        agent_session(inbox, request)
        last = request.headers.get("last-event-id", "")
        stream = event_stream(
            inbox.hub, int(last) if last.isdigit() else None, inbox.sse_lifetime_s
        )
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


async def thread_context(inbox: Inbox, thread_id: str) -> dict[str, Any]:
    """The timeline (reporting's own view) plus state, drafts and hides for the controls."""
    records = await inbox.history.thread(thread_id)
    view = build_thread_view(
        thread_id,
        records.comments,
        records.events,
        records.decisions,
        records.actions,
        records.timers,
    )
    if view is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown exchange {thread_id!r}")
    state = await inbox.queries.exchange(thread_id)
    by_id = {a.action_id: a for a in state.actions}
    drafts = [a for a in state.actions if a.status == "awaiting_approval"]
    hides = [
        (a, by_id.get(f"{a.action_id}:unhide"))
        for a in state.actions
        if a.kind == "hide" and a.status == "done"
    ]
    return {
        "view": view,
        "state": state,
        "summary": state.summary,
        "drafts": drafts,
        "text_kinds": TEXT_KINDS,
        "hides": hides,
    }


def command_routes(inbox: Inbox, router: APIRouter) -> None:
    @router.post("/threads/{thread_id:path}/commands")
    async def command(
        request: Request,
        thread_id: str,
        kind: Annotated[str, Form()],
        csrf: Annotated[str | None, Form()] = None,
        action_id: Annotated[str | None, Form()] = None,
        text: Annotated[str | None, Form()] = None,
        original: Annotated[str | None, Form()] = None,
    ) -> Response:
        """Validated here, acted on by triage or the responder; the page shows the outcome."""
        session = agent_session(inbox, request)
        check_csrf(inbox, session, csrf)
        state = await inbox.queries.exchange(thread_id)
        account = _account_of(state.summary, state.actions)
        if account is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown exchange {thread_id!r}")
        edited = _edit(text, original) if kind == "approve_draft" else None
        try:
            cmd = AgentCommand(
                occurred_at=utcnow(),
                correlation_id=thread_id,
                account_id=account,
                kind=kind,
                thread_id=thread_id,
                agent=session.agent,
                action_id=action_id or None,
                text=edited,
            )
        except ValidationError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from exc
        await inbox.publisher.publish([(inbox.names.commands, cmd)])
        log.info("%s by %s sent", kind, session.agent, extra={"correlation_id": thread_id})
        return _redirect(f"{PREFIX}/threads/{thread_id}?sent={kind}")


def _edit(text: str | None, original: str | None) -> str | None:
    """Only a real change travels as an edit (and is tone-checked by the responder)."""
    if text is None:
        return None
    cleaned = " ".join(text.split())
    if not cleaned or cleaned == " ".join((original or "").split()):
        return None
    return cleaned


def _account_of(summary: Any, actions: list[ReportingActionRow]) -> str | None:
    if summary is not None:
        return str(summary.account_id)
    return actions[0].account_id if actions else None


def install_inbox(app: FastAPI, inbox: Inbox) -> None:
    """Mounts the pages under /inbox; a missing session sends the browser to the login form."""
    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    login_routes(inbox, router)
    page_routes(inbox, router)
    command_routes(inbox, router)
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=str(HERE / "static")), name="inbox-static")

    async def login_required(request: Request, _exc: Exception) -> Response:
        if request.method == "GET" and not request.url.path.endswith("/events"):
            return to_login(request)
        return JSONResponse({"detail": "sign in to the inbox first"}, status_code=401)

    app.add_exception_handler(LoginRequired, login_required)
