"""Shared plumbing of the inbox pages: templates, the signed-in agent, language, CSRF."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from pydantic import SecretStr

from services.reporting.adapters.queries import HistoryQueries
from services.reporting.inbox.i18n import choose_language, texts
from services.reporting.inbox.live import Broadcaster
from services.reporting.inbox.queries import InboxQueries
from services.reporting.inbox.session import COOKIE, Session, SessionSigner
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher

HERE = Path(__file__).resolve().parent
LANG_COOKIE = "sc_inbox_lang"
PREFIX = "/inbox"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "—"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["when"] = _when
    return templates


@dataclass(frozen=True)
class Inbox:
    """Everything the routes need, built once by reporting's composition root."""

    queries: InboxQueries
    history: HistoryQueries
    publisher: EventPublisher
    names: StreamNames
    signer: SessionSigner
    keys: Sequence[SecretStr]
    hub: Broadcaster
    templates: Jinja2Templates
    sse_lifetime_s: float = 15.0


class LoginRequired(Exception):
    """A page was asked for without a valid session: the handler redirects to the login form."""


def language(request: Request) -> str:
    return choose_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def agent_session(inbox: Inbox, request: Request) -> Session:
    session = inbox.signer.load(request.cookies.get(COOKIE))
    if session is None:
        raise LoginRequired
    return session


def check_csrf(inbox: Inbox, session: Session, token: str | None) -> None:
    if not inbox.signer.csrf_ok(session, token):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "CSRF token missing or wrong: reload the inbox page and submit the form again",
        )


def render(
    inbox: Inbox,
    request: Request,
    template: str,
    context: dict[str, Any],
    session: Session | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language(request)
    base = {
        "t": texts(lang),
        "lang": lang,
        "other_lang": "de" if lang == "en" else "en",
        "agent": session.agent if session else None,
        "csrf": inbox.signer.csrf_token(session) if session else "",
        "prefix": PREFIX,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    }
    response = inbox.templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = lang
    return response


def to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"{PREFIX}/login", status_code=status.HTTP_303_SEE_OTHER)


def secure_cookie(request: Request) -> bool:
    """Secure when served over HTTPS (directly or behind a proxy that says so)."""
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto == "https"
