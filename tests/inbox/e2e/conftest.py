"""The four real processes with an approve-mode Facebook page whose adapter talks to a fake Graph
API, plus headless Chromium (Debian's `chromium` and `chromium-driver`, never a download)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from redis import Redis as SyncRedis
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from services.reporting.adapters.people import People
from shared.db.migrate import upgrade
from shared.db.session import make_engine, make_sessionmaker
from shared.people import Principal
from shared.settings import Settings
from steam_connect import infra
from steam_connect.processes import SERVICES, ServiceProcess, spawn, stop, wait_healthy
from tests.e2e.conftest import ROOT, Stack, _env
from tests.fakes.platforms import meta
from tests.fakes.server import ServerThread

TOKEN = "inbox-e2e-page-token"
PAGE = "1001"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
SETUP_HINT = "apt-get update && apt-get install -y chromium chromium-driver"

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
    asyncio.run(_add_agents(url))
    yield url
    infra.drop_database(url)


AGENTS = {
    "Alex Agent": ("agent", "alex-agent-password"),
    "Robin Agent": ("agent", "robin-agent-password"),
    "Sam Supervisor": ("supervisor", "sam-supervisor-password"),
}
"""The people of the browser tests: two agents and a supervisor."""


async def _add_agents(url: str) -> None:
    engine = make_engine(url)
    people = People(make_sessionmaker(engine))
    operator = Principal("cli:test", "admin", "operator")
    for name, (role, password) in AGENTS.items():
        await people.add(operator, name, role, password)
    await engine.dispose()


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
    ports = infra.free_ports(SERVICES)
    env = _env(settings, ports)
    env.update(
        ACCOUNTS_FILE=str(tmp / "accounts.yaml"),
        ACCEPT_UNKNOWN_ACCOUNTS="false",
        FACEBOOK_GRAPH_URL=fake_graph[1],
        PLATFORM_TOKENS=json.dumps({f"facebook:{PAGE}": TOKEN}),
        INBOX_SESSION_SECRET="inbox-e2e-secret",
        ACTION_RETRY_INTERVAL_S="0.5",
    )
    processes: dict[str, ServiceProcess] = {}
    try:
        for name in SERVICES:
            processes[name] = spawn(name, ports[name], env, tmp / "logs", ROOT)
        for process in processes.values():
            wait_healthy(process, timeout=90)
    except BaseException:
        for process in processes.values():
            stop(process)
        raise
    running = Stack(settings, processes, settings.console_record_path)
    yield running
    codes = {name: stop(process) for name, process in processes.items()}
    client = SyncRedis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{settings.stream_prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
    unclean = {name: code for name, code in codes.items() if code != 0}
    assert not unclean, f"services did not exit cleanly on SIGTERM: {unclean}\n{running.logs()}"


@pytest.fixture(scope="module")
def browser(inbox_stack: Stack) -> Iterator[webdriver.Chrome]:
    """Headless Chromium driven through the system chromedriver; closed before the services."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: install them with `{SETUP_HINT}`")
    profile = tempfile.mkdtemp(prefix="inbox-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
        "--lang=en-US",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
