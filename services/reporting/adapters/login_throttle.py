"""Failed sign-ins counted in Redis per account and per address, so several reporting
processes throttle alike and a restart does not reset an attacker's count.

A fixed window per key (SET NX EX, then INCR): simple, and enough to turn an online
password guess into hours per account. A successful sign-in clears the account's count, not
the address's (an office behind one NAT address shares it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from shared.redis_connection import AsyncRedis
from shared.streams.names import StreamNames


@dataclass(frozen=True)
class ThrottleLimits:
    per_account: int = 5
    per_address: int = 30
    window_s: int = 900


@dataclass(frozen=True)
class Throttled:
    """Why a sign-in is refused before its password is even checked."""

    scope: str
    retry_after_s: int

    def message(self) -> str:
        minutes = max(1, -(-self.retry_after_s // 60))
        return (
            f"too many failed sign-ins for this {self.scope}: try again in {minutes} "
            f"minute{'s' if minutes != 1 else ''}, or ask an admin to reset the password"
        )


def _digest(value: str) -> str:
    """Keys hold no names or addresses in the clear (Redis is read by operators)."""
    return hashlib.sha256(value.strip().casefold().encode()).hexdigest()[:32]


class LoginThrottle:
    def __init__(self, redis: AsyncRedis, names: StreamNames, limits: ThrottleLimits) -> None:
        self._redis = redis
        self._names = names
        self._limits = limits

    def _keys(self, account: str, address: str) -> tuple[tuple[str, str, int], ...]:
        k = self._names.key
        return (
            ("account", k(f"login-fail:account:{_digest(account)}"), self._limits.per_account),
            ("address", k(f"login-fail:address:{_digest(address)}"), self._limits.per_address),
        )

    async def check(self, account: str, address: str) -> Throttled | None:
        for scope, key, limit in self._keys(account, address):
            count = await self._redis.get(key)
            if count is not None and int(count) >= limit:
                ttl = await self._redis.ttl(key)
                return Throttled(scope, ttl if ttl > 0 else self._limits.window_s)
        return None

    async def failed(self, account: str, address: str) -> None:
        # The window is set before the count, so a counter never lives without its expiry; no
        # transaction, so the two keys may sit on different nodes of a Redis Cluster.
        async with self._redis.pipeline(transaction=False) as pipe:
            for _scope, key, _limit in self._keys(account, address):
                pipe.set(key, 0, ex=self._limits.window_s, nx=True)
                pipe.incr(key)
            await pipe.execute()

    async def succeeded(self, account: str, address: str) -> None:
        (_scope, key, _limit), _address = self._keys(account, address)
        await self._redis.delete(key)
