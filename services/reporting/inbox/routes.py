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

from services.reporting.adapters.people import audit
from services.reporting.domain.workspace import Refused
from services.reporting.inbox.i18n import LANGUAGES
from services.reporting.inbox.live import event_stream
from services.reporting.inbox.queries import QueueQuery, evidence_export
from services.reporting.inbox.report_routes import report_routes
from services.reporting.inbox.session import COOKIE, MAX_AGE_S
from services.reporting.inbox.thread_page import thread_context
from services.reporting.inbox.web import (
    HERE,
    LANG_COOKIE,
    PREFIX,
    Inbox,
    LoginRequired,
    check_csrf,
    render,
    secure_cookie,
    signed_in,
    to_login,
)
from services.reporting.inbox.workspace_routes import (
    admin_routes,
    bulk_routes,
    workspace_routes,
)
from shared.clock import utcnow
from shared.contracts import AgentCommand
from shared.contracts.alerts import RISK_BANDS
from shared.db.models import ReportingActionRow

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
        agent: Annotated[str, Form(max_length=200)],
        password: Annotated[str, Form(max_length=1_000)],
        pre: Annotated[str | None, Form()] = None,
    ) -> Response:
        """Name and password; failures are throttled per account and per address (Redis)."""
        cookie = request.cookies.get(PRE_COOKIE)
        if not cookie or not pre or not secrets.compare_digest(cookie, pre):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "login form expired: reload it")
        address = request.client.host if request.client else "unknown"
        throttled = await inbox.throttle.check(agent, address)
        if throttled is not None:
            log.warning("inbox sign-in throttled (%s)", throttled.scope)
            context = {"pre": pre, "failed": False, "throttled": throttled.message()}
            response = render(inbox, request, "login.html", context, status_code=429)
            response.headers["Retry-After"] = str(throttled.retry_after_s)
            return response
        account = await inbox.people.authenticate(agent, password)
        if account is None:
            await inbox.throttle.failed(agent, address)
            log.warning("inbox sign-in refused: unknown name, wrong password or disabled account")
            return _redirect(f"{PREFIX}/login?failed=true")
        await inbox.throttle.succeeded(agent, address)
        _session, value = inbox.signer.new(account.name, account.session_epoch)
        log.info("inbox sign-in of an agent (%s)", account.role)
        done = _redirect(f"{PREFIX}/")
        done.set_cookie(
            COOKIE,
            value,
            max_age=MAX_AGE_S,
            httponly=True,
            samesite="strict",
            secure=secure_cookie(request),
            path="/",
        )
        done.delete_cookie(PRE_COOKIE, path=PREFIX)
        return done

    @router.post("/logout")
    async def logout(request: Request, csrf: Annotated[str | None, Form()] = None) -> Response:
        check_csrf(inbox, await signed_in(inbox, request), csrf)
        response = _redirect(f"{PREFIX}/login")
        response.delete_cookie(COOKIE, path="/")
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
        assigned: Annotated[str, Query(pattern="^(|mine|unassigned)$")] = "",
        done: str = "",
    ) -> Response:
        who = await signed_in(inbox, request)
        query = QueueQuery(
            status_, platform, account, category, risk, lang, q.strip(), assigned, who.agent
        )
        rows = await inbox.queries.queue(query, utcnow())
        context = {"rows": rows, "query": query, "bands": RISK_BANDS, "done": done}
        return render(inbox, request, "queue.html", context, who)

    @router.get("/threads/{thread_id:path}/evidence.json")
    async def evidence_json(request: Request, thread_id: str) -> Response:
        await signed_in(inbox, request)
        actions, decisions = await inbox.queries.evidence(thread_id)
        if not actions:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no evidence kept for {thread_id!r}")
        body = await _with_police(inbox, evidence_export(thread_id, actions, decisions))
        filename = "evidence-" + "".join(c if c.isalnum() else "-" for c in thread_id) + ".json"
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        return JSONResponse(body, headers=headers)

    @router.get("/threads/{thread_id:path}/evidence", response_class=HTMLResponse)
    async def evidence_page(request: Request, thread_id: str) -> Response:
        who = await signed_in(inbox, request)
        actions, decisions = await inbox.queries.evidence(thread_id)
        if not actions:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no evidence kept for {thread_id!r}")
        export = await _with_police(inbox, evidence_export(thread_id, actions, decisions))
        return render(inbox, request, "evidence.html", {"export": export}, who)

    @router.get("/threads/{thread_id:path}", response_class=HTMLResponse)
    async def thread(request: Request, thread_id: str, sent: str = "") -> Response:
        who = await signed_in(inbox, request)
        await inbox.presence.mark(thread_id, who.agent, "viewing")
        context = await thread_context(inbox, thread_id, who)
        return render(inbox, request, "thread.html", {**context, "sent": sent}, who)

    @router.get("/threats", response_class=HTMLResponse)
    async def threats(request: Request) -> Response:
        who = await signed_in(inbox, request)
        rows = await inbox.queries.threats()
        police = {f.thread_id: await inbox.workspace.police.get(f.thread_id) for f, _r in rows}
        context = {"threats": rows, "police": police}
        return render(inbox, request, "threats.html", context, who)

    @router.get("/events")
    async def events(request: Request) -> Response:
        """Server-Sent Events: a notice per stream entry, so pages refresh what changed."""
        await signed_in(inbox, request)
        last = request.headers.get("last-event-id", "")
        stream = event_stream(
            inbox.hub, int(last) if last.isdigit() else None, inbox.sse_lifetime_s
        )
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


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
        who = await signed_in(inbox, request)
        check_csrf(inbox, who, csrf)
        state = await inbox.queries.exchange(thread_id)
        account = _account_of(state.summary, state.actions)
        if account is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown exchange {thread_id!r}")
        edited = _edit(text, original) if kind == "approve_draft" else None
        if kind == "undo_hide":
            hidden = next((a for a in state.actions if a.action_id == action_id), None)
            if hidden is not None:
                try:
                    await inbox.workspace.actions.may_undo_hide(
                        who.principal, thread_id, hidden.comment_id
                    )
                except Refused as exc:
                    raise HTTPException(status.HTTP_403_FORBIDDEN, exc.message) from exc
        try:
            cmd = AgentCommand(
                occurred_at=utcnow(),
                correlation_id=thread_id,
                account_id=account,
                kind=kind,
                thread_id=thread_id,
                agent=who.agent,
                action_id=action_id or None,
                text=edited,
            )
        except ValidationError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
        async with inbox.sessions.begin() as session:
            after = {"command_id": cmd.event_id, "edited": edited is not None}
            await audit(
                session,
                who.principal,
                kind,
                cmd.occurred_at,
                thread_id=thread_id,
                target=action_id or None,
                after=after,
            )
        await inbox.publisher.publish([(inbox.names.commands, cmd)])
        if kind == "undo_hide" and action_id:
            await inbox.workspace.corrections.hide_undone(who.principal, action_id)
        log.info("%s by %s sent", kind, who.agent, extra={"correlation_id": thread_id})
        return _redirect(f"{PREFIX}/threads/{thread_id}?sent={kind}")


async def _with_police(inbox: Inbox, export: dict[str, Any]) -> dict[str, Any]:
    """The police-report decision belongs to the evidence: who decided what, and when."""
    decision = await inbox.workspace.police.get(str(export["thread_id"]))
    export["police_report"] = (
        None
        if decision is None
        else {
            "reported": decision.reported,
            "case_ref": decision.case_ref,
            "reason": decision.reason,
            "decided_by": decision.decided_by,
            "decided_at": decision.decided_at.isoformat(),
        }
    )
    return export


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
    workspace_routes(inbox, router)
    admin_routes(inbox, router)
    bulk_routes(inbox, router)
    report_routes(inbox, router)
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=str(HERE / "static")), name="inbox-static")

    async def login_required(request: Request, _exc: Exception) -> Response:
        if request.method == "GET" and not request.url.path.endswith("/events"):
            return to_login(request)
        return JSONResponse({"detail": "sign in to the inbox first"}, status_code=401)

    app.add_exception_handler(LoginRequired, login_required)
