"""Who is asking: a machine's Bearer key or a person's inbox session, as one `Principal`.

No `from __future__ import annotations`: FastAPI evaluates the dependency's annotations.

Every `/v1` route and every inbox page asks this module. A session is checked against the
account on each request, so a disabled agent, a reset password or a changed role takes effect at
once. A request authenticated by the session cookie that changes something must carry the
session's CSRF token in `X-CSRF-Token` (a browser sends cookies to any site's form).
"""

import hmac
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.reporting.adapters.people import People
from services.reporting.inbox.session import COOKIE, Session, SessionSigner
from shared.people import ApiKey, Principal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"


class Access:
    """Built once by reporting's composition root; shared by the API and the inbox."""

    def __init__(self, keys: Sequence[ApiKey], signer: SessionSigner, people: People) -> None:
        self.keys = tuple(keys)
        self.signer = signer
        self.people = people

    def key_principal(self, presented: str) -> Principal | None:
        """Checks every key without stopping early: timing reveals neither key nor position."""
        given, found = presented.encode(), None
        for key in self.keys:
            if hmac.compare_digest(given, key.secret.get_secret_value().encode()):
                found = key
        return Principal(found.label, found.role, "api_key") if found is not None else None

    async def session_principal(self, session: Session | None) -> Principal | None:
        """The account behind a signed cookie, if it is still active and the epoch still holds."""
        if session is None:
            return None
        account = await self.people.get(session.agent)
        if account is None or not account.active or account.session_epoch != session.epoch:
            return None
        return Principal(account.name, account.role, "agent")

    async def from_request(self, request: Request, bearer: str | None) -> Principal:
        if bearer is not None:
            principal = self.key_principal(bearer)
            if principal is None:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    "invalid API key: it is not one of REPORTING_API_KEYS",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            return principal
        session = self.signer.load(request.cookies.get(COOKIE))
        principal = await self.session_principal(session)
        if principal is None or session is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "send 'Authorization: Bearer <REPORTING_API_KEYS entry>' or sign in to the inbox",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if request.method not in SAFE_METHODS and not self.signer.csrf_ok(
            session, request.headers.get(CSRF_HEADER)
        ):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                "a change made with the inbox session needs its CSRF token in X-CSRF-Token",
            )
        return principal

    def dependency(self) -> Callable[..., Awaitable[Principal]]:
        scheme = HTTPBearer(
            auto_error=False,
            description="A REPORTING_API_KEYS entry (`role:label:secret`, or a bare admin key).",
        )

        async def principal(
            request: Request,
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(scheme)],
        ) -> Principal:
            bearer = None
            if credentials is not None:
                if credentials.scheme.lower() != "bearer":
                    raise HTTPException(
                        status.HTTP_401_UNAUTHORIZED,
                        "only Bearer API keys are accepted",
                        headers={"WWW-Authenticate": "Bearer"},
                    )
                bearer = credentials.credentials
            found: Principal = await self.from_request(request, bearer)
            request.state.principal = found
            return found

        return principal
