"""The four real processes with an approve-mode Facebook page whose adapter talks to a fake Graph
API, plus headless Chromium (Debian's `chromium` and `chromium-driver`, never a download)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import pytest
from redis import Redis as SyncRedis
from selenium import webdriver

from shared.db.migrate import upgrade
from shared.settings import Settings
from steam_connect import infra
from tests.browser import add_agents, chromium
from tests.e2e.conftest import Stack, _env, running_stack
from tests.fakes.platforms import meta
from tests.fakes.server import ServerThread

TOKEN = "inbox-e2e-page-token"
PAGE = "1001"

ACCOUNTS = f"""
accounts:
  - platform: facebook
    account_id: "{PAGE}"
    name: Inbox E2E page
    kind: business
    language: en
    mode: approve
    adapter: facebook
    ask_deletion_after_resolution: true
"""


@pytest.fixture(scope="module")
def fake_graph() -> Iterator[tuple[meta.FakeGraph, str]]:
    graph = meta.FakeGraph(token=TOKEN, account_id=PAGE, flavour="facebook")
    with ServerThread(meta.build(graph)) as server:
        yield graph, server.url + meta.VERSION


@pytest.fixture(scope="module")
def inbox_database(postgres_server: infra.Server) -> Iterator[str]:
    """A database of its own: the queue must show this test's exchanges, not the session's."""
    url = infra.with_database(postgres_server.url, f"sc_inbox_{uuid.uuid4().hex[:12]}")
    infra.create_database(url)
    upgrade(url)
    asyncio.run(add_agents(url, AGENTS))
    yield url
    infra.drop_database(url)


AGENTS = {
    "Alex Agent": ("agent", "alex-agent-password"),
    "Robin Agent": ("agent", "robin-agent-password"),
    "Sam Supervisor": ("supervisor", "sam-supervisor-password"),
}
"""The people of the browser tests: two agents and a supervisor."""


@pytest.fixture(scope="module")
def inbox_stack(
    redis_url: str,
    inbox_database: str,
    tmp_path_factory: pytest.TempPathFactory,
    fake_graph: tuple[meta.FakeGraph, str],
) -> Iterator[Stack]:
    """Starts ingest, triage, responder and reporting; stops them (cleanly) at the end."""
    tmp = tmp_path_factory.mktemp("inbox-e2e")
    (tmp / "accounts.yaml").write_text(ACCOUNTS, encoding="utf-8")
    settings = Settings(
        redis_url=redis_url,
        database_url=inbox_database,
        stream_prefix=f"scinbox-{uuid.uuid4().hex[:12]}",
        console_record_path=tmp / "console.ndjson",
        _env_file=None,
    )
    env = _env(settings, {})
    env.update(
        ACCOUNTS_FILE=str(tmp / "accounts.yaml"),
        ACCEPT_UNKNOWN_ACCOUNTS="false",
        FACEBOOK_GRAPH_URL=fake_graph[1],
        PLATFORM_TOKENS=json.dumps({f"facebook:{PAGE}": TOKEN}),
        INBOX_SESSION_SECRET="inbox-e2e-secret",
        ACTION_RETRY_INTERVAL_S="0.5",
    )
    try:
        with running_stack(settings, env, tmp / "logs") as running:
            yield running
    finally:
        client = SyncRedis.from_url(redis_url)
        keys = list(client.scan_iter(match=f"{settings.stream_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture(scope="module")
def browser(inbox_stack: Stack) -> Iterator[webdriver.Chrome]:
    """Headless Chromium driven through the system chromedriver; closed before the services."""
    with chromium() as driver:
        yield driver
