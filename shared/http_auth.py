"""API keys on the HTTP entry points: one constant-time check and one FastAPI dependency.

No `from __future__ import annotations` here: FastAPI must evaluate the dependency's
annotation, which refers to a scheme local to `bearer_auth`.
"""

import hmac
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr


def key_matches(presented: str, keys: Sequence[SecretStr | str]) -> bool:
    """Checks every key without stopping early: timing reveals neither key nor position."""
    given = presented.encode()
    matched = False
    for key in keys:
        secret = key.get_secret_value() if isinstance(key, SecretStr) else key
        matched |= hmac.compare_digest(given, secret.encode())
    return matched


def bearer_auth(keys: Sequence[SecretStr], setting: str) -> Callable[..., Awaitable[None]]:
    """A dependency refusing requests without one of `keys`; no keys configured means no access.

    `setting` names the variable the keys come from, so a 401 tells the caller what to send.
    """
    scheme = HTTPBearer(auto_error=False, description=f"One of {setting}.")

    async def check(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(scheme)],
    ) -> None:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                f"missing bearer token: send 'Authorization: Bearer <{setting} entry>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not key_matches(credentials.credentials, keys):
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                f"invalid API key: it is not one of {setting}",
                headers={"WWW-Authenticate": "Bearer"},
            )

    return check
