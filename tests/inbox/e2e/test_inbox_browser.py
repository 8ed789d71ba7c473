"""An agent's day in the inbox, in headless Chromium against the four running services."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import httpx
import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver import Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.e2e.conftest import INGEST_KEY, Stack
from tests.fakes.platforms import meta
from tests.inbox.e2e.conftest import AGENTS, PAGE

pytestmark = pytest.mark.e2e

T = TypeVar("T")
WAIT_S = 45.0
COMPLAINT = "My order never arrived and the blender is broken."
THREAT = "Ich bring euch um, ich zünde euren Laden an!"
EDITED = "Sorry about the blender! Please send us your order number and we will replace it."
SHOTS = os.environ.get("INBOX_SCREENSHOT_DIR")
"""Set to write the README screenshots (docs/inbox.png, docs/inbox-exchange.png)."""


def _wait(browser: Chrome, stack: Stack, what: str, probe: Callable[[Chrome], T | None]) -> T:
    """`probe`'s first truthy answer: WebDriverWait asks again on a falsy one, `None` included."""

    def guarded(driver: Chrome) -> T | None | Literal[False]:
        try:
            return probe(driver)
        except StaleElementReferenceException:
            return False  # the live region was swapped while we looked: look again
        except WebDriverException as exc:
            # The same race, as Chromium sometimes reports it (seen once in a full run).
            if "does not belong to the document" in str(exc):
                return False
            raise

    try:
        result = WebDriverWait(browser, WAIT_S, poll_frequency=0.2).until(guarded)
    except Exception as exc:
        raise AssertionError(
            f"{what}: not seen within {WAIT_S:.0f}s at {browser.current_url}\n"
            f"{browser.find_element(By.TAG_NAME, 'body').text[:2000]}\n{stack.logs()}"
        ) from exc
    assert result is not None  # until() returns only a truthy answer
    return result


def _comment(body: str) -> tuple[str, dict[str, Any]]:
    cid = f"ib{uuid.uuid4().hex[:10]}"
    return cid, {
        "platform": "facebook",
        "account_id": PAGE,
        "comment_id": cid,
        "post_id": "post-inbox",
        "author": {"id": f"au{cid}", "name": "Jana Kunde"},
        "text": body,
        "created_at": datetime.now(UTC).isoformat(),
    }


def _ingest(stack: Stack, graph: meta.FakeGraph, body: str) -> str:
    cid, payload = _comment(body)
    graph.add_comment(cid, payload["author"]["id"], body)
    response = httpx.post(
        stack.url("ingest") + "/v1/comments",
        json=payload,
        headers={"Authorization": f"Bearer {INGEST_KEY}"},
        timeout=10,
    )
    assert response.status_code in (200, 201, 202), response.text
    return cid


def _replies(graph: meta.FakeGraph, cid: str) -> list[str]:
    return [
        r.form.get("message", "") for r in graph.writes() if r.path.endswith(f"/{cid}/comments")
    ]


def _shot(browser: Chrome, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        height = browser.execute_script("return document.body.scrollHeight;")
        browser.set_window_size(1400, max(700, min(int(height) + 40, 2400)))
        browser.save_screenshot(str(Path(SHOTS) / name))


def _login(browser: Chrome, stack: Stack, name: str = "Alex Agent") -> None:
    browser.get(stack.url("reporting") + "/inbox/")
    assert browser.current_url.endswith("/inbox/login")
    browser.find_element(By.ID, "agent").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(AGENTS[name][1])
    browser.find_element(By.ID, "login-submit").click()
    _wait(browser, stack, "the queue after login", lambda b: b.find_elements(By.ID, "f-q"))


def test_agent_approves_an_edited_draft_resolves_and_exports_a_threat(
    inbox_stack: Stack, browser: Chrome, fake_graph: tuple[meta.FakeGraph, str]
) -> None:
    stack, graph = inbox_stack, fake_graph[0]
    _login(browser, stack)
    browser.execute_script("window.__notReloaded = true;")
    cid = _ingest(stack, graph, COMPLAINT)

    # The exchange appears in the open queue without a reload (SSE), with its facts.
    row = _wait(
        browser,
        stack,
        "the new exchange in the queue",
        lambda b: next((r for r in b.find_elements(By.CSS_SELECTOR, "tr") if cid in r.text), None),
    )
    assert browser.execute_script("return window.__notReloaded === true;")
    assert "complaint" in row.text and "facebook" in row.text and "Jana Kunde" in row.text
    _shot(browser, "inbox.png")

    # Open it, edit the drafted reply, approve: the fake platform gets exactly one post.
    row.find_element(By.CSS_SELECTOR, "a.thread-link").click()
    area = _wait(
        browser,
        stack,
        "the drafted reply",
        lambda b: b.find_element(By.CSS_SELECTOR, "form.draft textarea"),
    )
    assert area.get_attribute("value"), "the draft has no text"
    area.clear()
    area.send_keys(EDITED)
    area.find_element(By.XPATH, "./ancestor::form//button[@value='approve_draft']").click()
    _wait(browser, stack, "the reply on the platform", lambda _b: _replies(graph, cid) or None)
    _wait(
        browser,
        stack,
        "the performed reply in the timeline",
        lambda b: re.search(
            r"reply \(by Alex Agent\) — done", b.find_element(By.CSS_SELECTOR, ".timeline").text
        ),
    )
    assert _replies(graph, cid) == [EDITED]
    assert EDITED in browser.find_element(By.CSS_SELECTOR, ".timeline").text
    _shot(browser, "inbox-exchange.png")

    # Resolve: triage closes the exchange and (R12, approve mode) drafts the deletion request.
    browser.find_element(By.ID, "cmd-resolve").click()
    _wait(
        browser,
        stack,
        "the exchange resolved",
        lambda b: b.find_element(By.ID, "exchange-state").get_attribute("data-state") == "resolved",
    )
    _wait(
        browser,
        stack,
        "the R12 deletion request awaiting approval",
        lambda b: (
            "request_deletion"
            in b.find_element(By.ID, "h-drafts").find_element(By.XPATH, "..").text
        ),
    )
    assert browser.find_elements(By.ID, "cmd-reopen")

    # The interface speaks German too.
    browser.find_element(By.CSS_SELECTOR, "a[hreflang='de']").click()
    _wait(
        browser,
        stack,
        "German interface",
        lambda b: "Verlauf" in b.find_element(By.TAG_NAME, "body").text,
    )
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "de"
    browser.find_element(By.CSS_SELECTOR, "a[hreflang='en']").click()

    # A threat: listed for a human decision with its preserved evidence, exported as JSON.
    threat = _ingest(stack, graph, THREAT)
    browser.get(stack.url("reporting") + "/inbox/threats")
    card = _wait(
        browser,
        stack,
        "the threat with its evidence",
        lambda b: next(
            (c for c in b.find_elements(By.CSS_SELECTOR, "article.threat") if THREAT in c.text),
            None,
        ),
    )
    link = card.find_element(By.CSS_SELECTOR, "a[href$='evidence.json']").get_attribute("href")
    exported = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.text()).then(done);",
        link,
    )
    body = json.loads(exported)
    [record] = [e["record"] for e in body["evidence"] if e["kind"] == "preserve_evidence"]
    assert (record["comment_id"], record["text"]) == (threat, THREAT)
    assert len(record["sha256"]) == 64
    assert any(d["rule_id"].startswith("R8") for d in body["decisions"])
    card.find_element(By.CSS_SELECTOR, "a[href$='/evidence']").click()
    _wait(
        browser,
        stack,
        "the printable evidence",
        lambda b: THREAT in b.find_element(By.TAG_NAME, "body").text,
    )

    assert _replies(graph, cid) == [EDITED], "the approved reply was posted more than once"


RUDE_REPLY = "Sie sind ein Idiot, lesen Sie doch einfach die FAQ."
OWN_REPLY = "Das tut uns leid. Wir rufen Sie heute noch zurück, versprochen."
SERVICE_COMPLAINT = "Der Kundenservice hat mich dreimal abgewimmelt, einfach unmöglich."


def _http_login(stack: Stack, name: str) -> httpx.Client:
    """A second agent, signed in over plain HTTP: the page's beat, done by hand."""
    client = httpx.Client(base_url=stack.url("reporting"), timeout=10)
    form = client.get("/inbox/login")
    pre = re.search(r'name="pre" value="([^"]+)"', form.text)
    assert pre is not None, form.text
    signed = client.post(
        "/inbox/login", data={"agent": name, "password": AGENTS[name][1], "pre": pre.group(1)}
    )
    assert signed.status_code == 303, signed.text
    return client


def _open_thread(browser: Chrome, stack: Stack, thread: str) -> None:
    url = f"{stack.url('reporting')}/inbox/threads/{thread}"

    def opened(b: Chrome) -> bool:
        b.get(url)
        return bool(b.find_elements(By.ID, "reply-form"))

    _wait(browser, stack, f"the exchange page of {thread}", opened)


def test_agents_answer_and_moderate_by_hand_see_each_other_and_correct_labels(
    inbox_stack: Stack, browser: Chrome, fake_graph: tuple[meta.FakeGraph, str]
) -> None:
    stack, graph = inbox_stack, fake_graph[0]
    browser.delete_all_cookies()
    _login(browser, stack, "Alex Agent")
    cid = _ingest(stack, graph, SERVICE_COMPLAINT)
    author = f"au{cid}"
    thread = f"facebook:{cid}"
    _open_thread(browser, stack, thread)

    # A colleague opens the same exchange: each sees the other.
    robin = _http_login(stack, "Robin Agent")
    page = robin.get(f"/inbox/threads/{thread}")
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page.text)
    assert csrf is not None
    robin.post(
        f"/inbox/threads/{thread}/presence", data={"csrf": csrf.group(1), "state": "writing"}
    )
    _wait(
        browser,
        stack,
        "Robin shown on Alex's page",
        lambda b: "Robin Agent" in (b.find_element(By.ID, "presence").text or ""),
    )
    seen = robin.post(f"/inbox/threads/{thread}/presence", data={"csrf": csrf.group(1)})
    assert {"agent": "Alex Agent", "state": "viewing"} in seen.json()

    # Alex writes a reply the tone guard warns about, rewrites it, sends it: posted once.
    box = browser.find_element(By.ID, "reply-text")
    box.send_keys(RUDE_REPLY)
    browser.find_element(By.ID, "reply-send").click()
    warnings = _wait(
        browser, stack, "the tone warnings", lambda b: b.find_element(By.ID, "tone-warnings")
    )
    assert "insult" in warnings.text.lower(), warnings.text
    assert _replies(graph, cid) == []
    box = browser.find_element(By.ID, "reply-text")
    box.clear()
    box.send_keys(OWN_REPLY)
    browser.find_element(By.ID, "reply-send").click()
    _wait(
        browser, stack, "the agent's reply on the platform", lambda _b: _replies(graph, cid) or None
    )
    _wait(
        browser,
        stack,
        "the reply in the timeline with the agent's name",
        lambda b: "(by Alex Agent)" in b.find_element(By.CSS_SELECTOR, ".timeline").text,
    )
    assert _replies(graph, cid) == [OWN_REPLY]

    # Blocking is a supervisor's: Alex is refused, and the platform sees nothing.
    browser.find_element(By.ID, "mod-block_author").click()
    refusal = _wait(
        browser, stack, "the refusal", lambda b: b.find_element(By.ID, "workspace-error")
    )
    assert "supervisor" in refusal.text
    assert author not in graph.blocked

    # Alex corrects the labels; the correction shows on the comment and is exported.
    form = browser.find_element(By.CSS_SELECTOR, f"form.correction[data-comment='{cid}']")
    labels = Select(form.find_element(By.NAME, "labels"))
    labels.select_by_value("complaint.customer_service")
    labels.select_by_value("not:abuse")
    form.find_element(By.CSS_SELECTOR, ".correction-submit").click()
    _wait(
        browser,
        stack,
        "the correction on the page",
        lambda b: (
            "complaint.customer_service, not:abuse"
            in b.find_element(By.CSS_SELECTOR, f"form.correction[data-comment='{cid}']").text
        ),
    )
    env = {**os.environ, "DATABASE_URL": stack.settings.database_url}
    exported = subprocess.run(
        [sys.executable, "-m", "steam_connect.cli", "feedback", "export"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = [json.loads(x) for x in exported.stdout.splitlines()]
    [line] = [x for x in lines if x["id"].startswith(f"facebook:{cid}:")]
    assert (line["text"], line["complaint"], line["abuse"]) == (SERVICE_COMPLAINT, True, False)
    overrides = subprocess.run(
        [sys.executable, "-m", "steam_connect.cli", "feedback", "overrides"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "| complaint.customer_service | * | 1 |" in overrides.stdout, overrides.stdout

    # The supervisor blocks the author: the platform saw the block, once.
    browser.delete_all_cookies()
    _login(browser, stack, "Sam Supervisor")
    _open_thread(browser, stack, thread)
    _shot(browser, "inbox-workspace.png")
    browser.find_element(By.ID, "mod-block_author").click()
    _wait(browser, stack, "the block on the platform", lambda _b: author in graph.blocked or None)
    blocks = [w for w in graph.writes() if w.method == "POST" and w.path.endswith("/blocked")]
    assert len(blocks) == 1
    robin.close()
