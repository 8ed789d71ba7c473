"""Shared plumbing of the inbox pages: templates, the signed-in agent, language, CSRF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.reporting.access import Access
from services.reporting.adapters.login_throttle import LoginThrottle
from services.reporting.adapters.people import People
from services.reporting.adapters.presence import Presence
from services.reporting.adapters.queries import HistoryQueries
from services.reporting.domain.records import CommentRecord
from services.reporting.inbox.i18n import choose_language, texts
from services.reporting.inbox.live import Broadcaster
from services.reporting.inbox.queries import InboxQueries
from services.reporting.inbox.session import COOKIE, Session, SessionSigner
from services.reporting.inbox.workspace_text import workspace_texts
from services.reporting.rendering.document import TEMPLATES as REPORT_TEMPLATES
from services.reporting.use_cases.http_workspace import Workspace
from shared.accounts import AccountDirectory, UnknownAccount
from shared.people import Principal
from shared.streams.names import StreamNames
from shared.streams.publisher import EventPublisher

HERE = Path(__file__).resolve().parent
LANG_COOKIE = "sc_inbox_lang"
PREFIX = "/inbox"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "—"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    # The Reports page includes the weekly report's body, shared with the standalone document.
    templates.env.loader = jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(HERE / "templates"), jinja2.FileSystemLoader(REPORT_TEMPLATES)]
    )
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
    access: Access
    people: People
    throttle: LoginThrottle
    workspace: Workspace
    presence: Presence
    sessions: async_sessionmaker[AsyncSession]
    accounts: AccountDirectory
    hub: Broadcaster
    templates: Jinja2Templates
    sse_lifetime_s: float = 15.0

    def brand_of(self, comment: CommentRecord) -> str:
        """The account's display name fills `{brand}` in canned replies."""
        try:
            account = self.accounts.get(comment.platform, comment.account_id)  # type: ignore[arg-type]
        except UnknownAccount:
            return comment.account_id
        return account.name or comment.account_id


class LoginRequired(Exception):
    """A page was asked for without a valid session: the handler redirects to the login form."""


def language(request: Request) -> str:
    return choose_language(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


@dataclass(frozen=True)
class SignedIn:
    """A valid session and the account behind it, as of this request."""

    session: Session
    principal: Principal

    @property
    def agent(self) -> str:
        return self.principal.name


async def signed_in(inbox: Inbox, request: Request) -> SignedIn:
    """The session's account, checked now: disabled, reset or unknown means sign in again."""
    session = inbox.signer.load(request.cookies.get(COOKIE))
    principal = await inbox.access.session_principal(session)
    if session is None or principal is None:
        raise LoginRequired
    return SignedIn(session, principal)


def check_csrf(inbox: Inbox, who: SignedIn, token: str | None) -> None:
    if not inbox.signer.csrf_ok(who.session, token):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "CSRF token missing or wrong: reload the inbox page and submit the form again",
        )


def render(
    inbox: Inbox,
    request: Request,
    template: str,
    context: dict[str, Any],
    who: SignedIn | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language(request)
    base = {
        "t": texts(lang),
        "w": workspace_texts(lang),
        "lang": lang,
        "other_lang": "de" if lang == "en" else "en",
        "agent": who.agent if who else None,
        "role": who.principal.role if who else None,
        "csrf": inbox.signer.csrf_token(who.session) if who else "",
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
