"""Headless Chromium for the browser tests: Debian's `chromium` and `chromium-driver` (never a
download), with the flags this closed network needs, and the agents they sign in as."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from services.reporting.adapters.people import People
from shared.db.session import make_engine, make_sessionmaker
from shared.people import Principal

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
SETUP_HINT = "apt-get update && apt-get install -y chromium chromium-driver"


@contextmanager
def chromium(window: str = "1400,1000") -> Iterator[webdriver.Chrome]:
    """A fresh profile each time, removed afterwards; fails (not skips) when it is missing."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: install them with `{SETUP_HINT}`")
    profile = tempfile.mkdtemp(prefix="sc-chromium-")
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
        f"--window-size={window}",
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


async def add_agents(url: str, agents: dict[str, tuple[str, str]]) -> None:
    """Agent accounts (name → role, password) in the database at `url`."""
    engine = make_engine(url)
    people = People(make_sessionmaker(engine))
    operator = Principal("cli:test", "admin", "operator")
    for name, (role, password) in agents.items():
        await people.add(operator, name, role, password)
    await engine.dispose()
