"""Signed session cookies and CSRF tokens: no server-side session store to keep in step."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "sc_inbox"
MAX_AGE_S = 12 * 3600
"""A working day and a bit: an agent signs in once per shift."""


@dataclass(frozen=True)
class Session:
    agent: str
    sid: str
    """Random per login; the CSRF token is derived from it."""
    epoch: int = 0
    """The account's session epoch at sign-in: a reset or disable moves it on, ending this."""


class SessionSigner:
    """Built once per process from INBOX_SESSION_SECRET (or a random secret)."""

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()
        self._serializer = URLSafeTimedSerializer(secret, salt="steam-connect-inbox")

    def new(self, agent: str, epoch: int = 0) -> tuple[Session, str]:
        session = Session(agent=agent, sid=secrets.token_urlsafe(18), epoch=epoch)
        data = {"agent": session.agent, "sid": session.sid, "epoch": session.epoch}
        return session, self._serializer.dumps(data)

    def load(self, cookie: str | None) -> Session | None:
        """None for a missing, forged or expired cookie: the agent signs in again."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=MAX_AGE_S)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        agent, sid, epoch = data.get("agent"), data.get("sid"), data.get("epoch")
        if not isinstance(agent, str) or not isinstance(sid, str) or not isinstance(epoch, int):
            return None
        return Session(agent=agent, sid=sid, epoch=epoch)

    def csrf_token(self, session: Session) -> str:
        return hmac.new(self._secret, f"csrf:{session.sid}".encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session: Session, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(self.csrf_token(session), token)
