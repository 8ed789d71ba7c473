"""Who may do what: the roles of people and API keys, and the rights each role grants.

One table, read by the inbox, the HTTP API and the CLI alike, so a refusal reads the same
wherever it happens. Roles are ordered: a supervisor may do all an agent may, an admin all a
supervisor may.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, get_args

from pydantic import SecretStr

Role = Literal["agent", "supervisor", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
_RANK: dict[Role, int] = {role: rank for rank, role in enumerate(ROLES)}

Right = Literal[
    "work",
    "delete",
    "block_author",
    "unblock_author",
    "police_report",
    "undo_others",
    "read_audit",
    "manage_notifications",
    "manage_agents",
    "manage_canned_replies",
    "handle_privacy",
]
RIGHTS: dict[Right, Role] = {
    "work": "agent",
    "delete": "supervisor",
    "block_author": "supervisor",
    "unblock_author": "supervisor",
    "police_report": "supervisor",
    "undo_others": "supervisor",
    "read_audit": "supervisor",
    "manage_notifications": "supervisor",
    "manage_agents": "admin",
    "manage_canned_replies": "admin",
    "handle_privacy": "admin",
}
"""The least role each right needs. `work`: read, reply, message, hide, unhide, report to the
platform, assign, note and correct. Deleting, blocking and the police are policy-sensitive: they
cannot be taken back in public, so the seed's rules keep them with a supervisor."""

_WHAT: dict[Right, str] = {
    "work": "work on exchanges",
    "delete": "delete comments",
    "block_author": "block authors",
    "unblock_author": "unblock authors",
    "police_report": "record police-report decisions",
    "undo_others": "undo another person's action",
    "read_audit": "read the audit log",
    "manage_notifications": "read and resend notification deliveries",
    "manage_agents": "manage agents",
    "manage_canned_replies": "manage canned replies",
    "handle_privacy": "answer personal-data requests",
}

PrincipalKind = Literal["agent", "api_key", "operator"]
"""`operator`: someone at the `steam-connect` command line, who holds the database anyway."""


@dataclass(frozen=True)
class Principal:
    """The person or machine behind a request: named in every command and audit row."""

    name: str
    role: Role
    kind: PrincipalKind


def refusal(principal: Principal, right: Right) -> str | None:
    """None when `principal` holds `right`; else the reason a 403 (or the inbox) shows."""
    needed = RIGHTS[right]
    if _RANK[principal.role] >= _RANK[needed]:
        return None
    return (
        f"{principal.name} is signed in as {principal.role}; only a {needed} or above may "
        f"{_WHAT[right]}"
    )


@dataclass(frozen=True)
class ApiKey:
    """A machine's key: the label is its name in audit rows; the role limits what it may do."""

    label: str
    role: Role
    secret: SecretStr


_KEY_ENTRY = re.compile(r"^(agent|supervisor|admin):([A-Za-z0-9_.@-]{1,100}):(.+)$")


def parse_api_key(entry: SecretStr, position: int) -> ApiKey:
    """`role:label:secret`; a bare secret (the older form) is an admin key named by position.

    Bare keys keep their full rights so existing integrations keep working; a new key should say
    its role.
    """
    raw = entry.get_secret_value()
    found = _KEY_ENTRY.match(raw)
    if found is None:
        return ApiKey(f"api-key-{position + 1}", "admin", entry)
    role, label, secret = found.groups()
    return ApiKey(label, role, SecretStr(secret))  # type: ignore[arg-type]


def parse_api_keys(entries: list[SecretStr]) -> tuple[ApiKey, ...]:
    return tuple(parse_api_key(entry, i) for i, entry in enumerate(entries))
