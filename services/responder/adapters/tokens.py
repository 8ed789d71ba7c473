"""Where a platform token for an account comes from: the accounts file, else the environment."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import SecretStr

from shared.accounts import AccountDirectory
from shared.contracts import Platform


class TokenBook:
    """Built at the composition root; adapters ask it per call, so a rotated file is one restart."""

    def __init__(
        self,
        accounts: AccountDirectory,
        env_tokens: Mapping[str, SecretStr],
        platform_default: Mapping[str, SecretStr | None] | None = None,
    ) -> None:
        self._accounts = accounts
        self._env = dict(env_tokens)
        self._default = dict(platform_default or {})

    def get(self, platform: Platform, account_id: str) -> str | None:
        token = self._accounts.get(platform, account_id).access_token
        token = token or self._env.get(f"{platform}:{account_id}") or self._default.get(platform)
        return token.get_secret_value() if token is not None else None
