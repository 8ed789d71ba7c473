"""The `steam-connect` command: migrate, run the stack, replay comments, classify, dead letters,
agents' accounts and their label corrections."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import get_args

from shared.contracts.comments import Platform
from shared.settings import Settings


def cmd_migrate(_args: argparse.Namespace) -> int:
    """Idempotent, so the compose job and `make migrate` can run it on every start."""
    from shared.db.migrate import upgrade
    from steam_connect import infra

    settings = Settings()
    infra.create_database(settings.database_url)
    upgrade(settings.database_url)
    print(f"database {infra.database_name(settings.database_url)!r} is at the latest schema")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from steam_connect.devstack import run, say

    try:
        return run(with_replay=args.replay)
    except (RuntimeError, OSError) as exc:
        say(f"the local stack could not start: {exc}")
        return 1


def cmd_replay(args: argparse.Namespace) -> int:
    import httpx

    from steam_connect.replay import replay

    settings = Settings()
    key = args.api_key or _first_secret(settings.ingest_api_keys)
    if not key:
        print("no API key: pass --api-key or set INGEST_API_KEYS", file=sys.stderr)
        return 2
    url = args.url or f"http://127.0.0.1:{settings.ingest_port}"
    try:
        summary = replay(args.file, url=url, api_key=key, batch=args.batch)
    except (OSError, RuntimeError, ValueError, httpx.HTTPError) as exc:
        print(f"replay of {args.file} to {url} stopped: {exc}", file=sys.stderr)
        return 1
    print(summary.render())
    return 1 if summary.rejected else 0


def cmd_classify(args: argparse.Namespace) -> int:
    from services.triage.bootstrap import build_labeller  # the operator tool may use triage's
    from steam_connect.classify import BadInput, classify

    labeller = build_labeller(Settings())
    explainer = None
    if not args.no_reasons:
        from services.triage.domain.model import HybridClassifier
        from steam_connect.explain import Explainer

        if isinstance(labeller.classifier, HybridClassifier):
            explainer = Explainer(labeller.classifier)
    try:
        classify(labeller, sys.stdin, sys.stdout, size=args.batch, explainer=explainer)
    except BadInput as exc:
        print(f"classify: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_dlq(args: argparse.Namespace) -> int:
    """Lists or re-drives dead-lettered entries of this installation's prefix."""
    from redis.exceptions import RedisError

    from shared.redis_connection import stream_names, sync_client
    from steam_connect import dlq

    settings = Settings()
    names = stream_names(settings)
    redis = sync_client(settings)
    try:
        letters = dlq.entries(redis, names, group=args.group, ids=args.id or (), limit=args.limit)
        if args.action == "list":
            if args.json:
                for letter in letters:
                    print(json.dumps(letter.as_dict()))
            else:
                dlq.render(letters, sys.stdout)
            return 0
        if not (args.id or args.group or args.all):
            print("dlq replay: name entries with --id or --group, or pass --all", file=sys.stderr)
            return 2
        for done in dlq.replay(redis, names, letters, settings.stream_maxlen):
            print(f"replayed {done.dead_letter_id} to {done.stream} as {done.new_id}")
        return 0
    except (RedisError, dlq.DeadLetterError) as exc:
        print(f"dlq {args.action} on {names.dead_letter}: {exc}", file=sys.stderr)
        return 1
    finally:
        redis.close()


def cmd_privacy(args: argparse.Namespace) -> int:
    """An author's data: everything held (export) or erased but for a legal hold (erase); or
    everything past its account's retention (purge)."""
    from steam_connect import privacy

    if args.action == "purge":
        return privacy.run_purge(args.dry_run, args.as_of)
    if not (args.platform and args.author_id):
        print(
            f"privacy {args.action}: name the author with --platform and --author-id",
            file=sys.stderr,
        )
        return 2
    return privacy.run(args.action, args.platform, args.author_id, args.out)


def cmd_report(args: argparse.Namespace) -> int:
    """One account's weekly report as a self-contained HTML or PDF file."""
    from steam_connect import report

    return report.run(args.account, args.week, args.format, args.out, args.lang)


def _first_secret(keys: Sequence[object]) -> str:
    if not keys:
        return ""
    first = keys[0]
    getter = getattr(first, "get_secret_value", None)
    return str(getter() if getter else first)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="steam-connect", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create the database if missing, migrate to head").set_defaults(
        func=cmd_migrate
    )
    run = sub.add_parser("run", help="local stack: servers, services, sample replay, live log")
    run.set_defaults(func=cmd_run, replay=True)
    services = sub.add_parser("services", help="like run, without replaying the samples")
    services.set_defaults(func=cmd_run, replay=False)
    replay = sub.add_parser("replay", help="POST an NDJSON file of comments to ingest")
    replay.add_argument("file", type=Path)
    replay.add_argument("--url", help="ingest base URL (default: http://127.0.0.1:INGEST_PORT)")
    replay.add_argument("--api-key", help="ingest API key (default: first of INGEST_API_KEYS)")
    replay.add_argument("--batch", type=_positive, default=200, help="lines per request")
    replay.set_defaults(func=cmd_replay)
    classify = sub.add_parser("classify", help="label JSON lines from stdin with triage's labeller")
    classify.add_argument("--batch", type=_positive, default=1_000, help="lines per labeller call")
    classify.add_argument(
        "--no-reasons",
        action="store_true",
        help="leave out the reasons (model heads, lexicon rule ids, examples)",
    )
    classify.set_defaults(func=cmd_classify)
    dead = sub.add_parser("dlq", help="list or replay dead-lettered stream entries")
    dead.add_argument("action", choices=("list", "replay"))
    dead.add_argument("--id", action="append", help="only this dead-letter entry id (repeatable)")
    dead.add_argument("--group", help="only entries the given consumer group gave up on")
    dead.add_argument("--limit", type=_positive, help="at most this many entries")
    dead.add_argument("--all", action="store_true", help="replay: every entry")
    dead.add_argument("--json", action="store_true", help="list: one JSON object per line")
    dead.set_defaults(func=cmd_dlq)
    private = sub.add_parser(
        "privacy", help="an author's personal data: export it all (Art. 15) or erase it (Art. 17)"
    )
    private.add_argument("action", choices=("export", "erase", "purge"))
    private.add_argument("--platform", choices=get_args(Platform))
    private.add_argument("--author-id", help="the author's id on that platform")
    private.add_argument("--dry-run", action="store_true", help="purge: count, change nothing")
    private.add_argument(
        "--as-of",
        type=datetime.fromisoformat,
        help="purge: as if it were this moment (ISO 8601 with a zone; default now)",
    )
    private.add_argument("--out", help="export: write the JSON document here instead of stdout")
    private.set_defaults(func=cmd_privacy)
    weekly = sub.add_parser("report", help="an account's weekly report as HTML or PDF")
    weekly.add_argument("--account", required=True, help="the account id (accounts file)")
    weekly.add_argument("--week", help="ISO week, e.g. 2026-W48 (default: last week)")
    weekly.add_argument("--format", choices=("pdf", "html"), default="pdf")
    weekly.add_argument("--lang", choices=("de", "en"), help="default: the account's language")
    weekly.add_argument("--out", help="file to write (default: in the current folder; - stdout)")
    weekly.set_defaults(func=cmd_report)
    from steam_connect.people import add_parsers

    add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
