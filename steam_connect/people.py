"""`steam-connect agents ...` and `steam-connect feedback export|overrides`: the operator's side
of the agents' workspace. Passwords are read without echo (or one line from stdin for scripts) and
never printed."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TextIO, TypeVar

from services.reporting.adapters.people import AccountError, AgentAccount, People
from services.reporting.domain.overrides import table
from services.reporting.use_cases.corrections import Corrections
from shared.db.session import make_engine, make_sessionmaker
from shared.people import Principal
from shared.settings import Settings

T = TypeVar("T")


def operator() -> Principal:
    """The audit log names the operating-system user who ran the command."""
    try:
        user = os.getlogin()
    except OSError:
        user = os.environ.get("USER", "unknown")
    return Principal(f"cli:{user}", "admin", "operator")


def _run(job: Callable[[People, Corrections], Awaitable[T]]) -> T:
    async def main() -> T:
        engine = make_engine(Settings().database_url)
        sessions = make_sessionmaker(engine)
        try:
            return await job(People(sessions), Corrections(sessions))
        finally:
            await engine.dispose()

    return asyncio.run(main())


def read_password(from_stdin: bool, stdin: TextIO = sys.stdin) -> str:
    if from_stdin:
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def _line(a: AgentAccount) -> str:
    state = "active" if a.active else "disabled"
    return f"{a.name}\t{a.role}\t{state}\tsince {a.created_at:%Y-%m-%d}"


def cmd_agents(args: argparse.Namespace) -> int:
    who = operator()
    try:
        if args.action == "list":
            for account in _run(lambda people, _c: people.accounts()):
                print(_line(account))
            return 0
        if args.action == "add":
            password = read_password(args.password_stdin)
            made = _run(lambda people, _c: people.add(who, args.name, args.role, password))
            print(f"agent {made.name!r} added as {made.role}")
        elif args.action == "disable":
            _run(lambda people, _c: people.disable(who, args.name))
            print(f"agent {args.name!r} disabled; their sessions have ended")
        elif args.action == "enable":
            _run(lambda people, _c: people.enable(who, args.name))
            print(f"agent {args.name!r} enabled")
        elif args.action == "set-role":
            _run(lambda people, _c: people.set_role(who, args.name, args.role))
            print(f"agent {args.name!r} is now {args.role}")
        elif args.action == "reset-password":
            password = read_password(args.password_stdin)
            _run(lambda people, _c: people.reset_password(who, args.name, password))
            print(f"password of {args.name!r} reset; their sessions have ended")
        return 0
    except AccountError as exc:
        print(f"agents {args.action}: {exc}", file=sys.stderr)
        return 2


def cmd_feedback(args: argparse.Namespace) -> int:
    since: datetime | None = args.since
    if args.action == "overrides":
        rows = _run(lambda _p, corrections: corrections.overrides(since))
        print(table(rows) if rows else "no corrections of decided comments yet")
        return 0
    lines = _run(lambda _p, corrections: corrections.feedback(since))
    out = sys.stdout if args.output in (None, "-") else open(args.output, "w")  # noqa: SIM115
    try:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    if out is not sys.stdout:
        print(f"{len(lines)} corrections written to {args.output}", file=sys.stderr)
    return 0


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a time zone, e.g. {value}+00:00")
    return parsed


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    agents = sub.add_parser("agents", help="manage the inbox's agent accounts")
    actions = agents.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create an account (asks for the password)")
    add.add_argument("name")
    add.add_argument("--role", choices=("agent", "supervisor", "admin"), default="agent")
    add.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    actions.add_parser("list", help="name, role, state")
    for name, text in (("disable", "disable and end sessions"), ("enable", "enable again")):
        actions.add_parser(name, help=text).add_argument("name")
    role = actions.add_parser("set-role", help="change an agent's role")
    role.add_argument("name")
    role.add_argument("role", choices=("agent", "supervisor", "admin"))
    reset = actions.add_parser("reset-password", help="set a new password, end sessions")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    agents.set_defaults(func=cmd_agents)

    feedback = sub.add_parser("feedback", help="agents' label corrections")
    feedback_actions = feedback.add_subparsers(dest="action", required=True)
    export = feedback_actions.add_parser("export", help="as labelled JSON lines (datasets format)")
    export.add_argument("--since", type=_aware, help="ISO time with zone")
    export.add_argument("-o", "--output", help="file (default: stdout)")
    overrides = feedback_actions.add_parser(
        "overrides", help="per label and account: how often agents overrode the machine"
    )
    overrides.add_argument("--since", type=_aware, help="ISO time with zone")
    feedback.set_defaults(func=cmd_feedback)
