"""A scripted week through the four processes; the report's figures against figures this test
computes itself, the Reports page in headless Chromium, and the weekly PDF as image and text.

The week is scripted relative to now (the services run on the real clock): comments written by
the platform's clock up to six days ago, answered by the responder when they arrive. This test
knows the targets (POLICY.md R1–R3), the account's business hours, the comment times it wrote
and — from the console adapter's record — when each reply went out; it computes the deadlines
and response times minute by minute, not with the project's arithmetic.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import time as wall
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pypdfium2
import pytest
from redis import Redis as SyncRedis
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from services.reporting.domain.weekly import week_of
from shared.contracts import DecisionMade
from shared.db.migrate import upgrade
from shared.settings import Settings
from shared.streams.codec import DATA_FIELD
from shared.streams.names import StreamNames
from steam_connect import infra
from tests.browser import add_agents, chromium
from tests.cli import run_cli
from tests.e2e.conftest import INGEST_KEY, REPORTING_KEY, Stack, _env, running_stack
from tests.streams import raw_entries

pytestmark = pytest.mark.e2e

PAGE = "nova-shop"
ZONE = ZoneInfo("Europe/Berlin")
OPEN_H, CLOSE_H = 9, 17
LEAD = {"Lena Lead": ("supervisor", "lena-lead-password")}
SHOTS = os.environ.get("REPORT_SCREENSHOT_DIR")
"""Set (to docs/) to write the screenshots of the Reports page and the first PDF page."""
ACCOUNTS = f"""
accounts:
  - platform: facebook
    account_id: "{PAGE}"
    name: Nova Shop
    kind: business
    language: de
    time_zone: Europe/Berlin
    mode: auto
    adapter: console
    business_hours: {{days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}}
"""
TARGETS = {
    "complaint.product": (timedelta(hours=1), False),
    "complaint.customer_service": (timedelta(hours=24), True),
    "complaint.social_media": (timedelta(hours=48), True),
}
"""The policy's first-response targets as POLICY.md states them: (within, business hours)."""

SCRIPT: list[tuple[float, str, str | None]] = [
    # (hours before now, text, the aspect a person files it under; None: no complaint)
    (
        150,
        "Mein Paket ist seit zwei Wochen nicht angekommen, die Sendungsverfolgung zeigt nichts!",
        "delivery",
    ),
    (130, "You charged my credit card twice for the same invoice. Fix it!", "billing"),
    (
        110,
        "Seit drei Tagen hänge ich in eurer Hotline in der Warteschleife, niemand geht ran.",
        "hotline",
    ),
    (96, "Die App stürzt seit dem letzten Update bei jedem Start ab.", "app_website"),
    (80, "My parcel never arrived and the tracking has not moved for ten days.", "delivery"),
    (74, "Danke für die schnelle Hilfe, alles bestens!", None),
    (60, "Der Akku meines neuen Geräts ist nach einer Woche kaputt.", "product_quality"),
    (
        50,
        "Ich warte seit einem Monat auf meine Rückerstattung für die stornierte Bestellung.",
        "refund",
    ),
    (40, "I have been on hold with your customer service for an hour, nobody answers.", "hotline"),
    (30, "Wo bleibt meine Lieferung? Bestellt vor zehn Tagen, immer noch nichts da.", "delivery"),
    (26, "The blender broke after two days, terrible quality.", "product_quality"),
    (20, "Tolles neues Design, gefällt mir sehr.", None),
    (8, "Ihr habt meine Rechnung doppelt abgebucht, das ist eine Frechheit.", "billing"),
    (3, "Your app keeps crashing since the update and I cannot log in at all.", "app_website"),
    (1.5, "Seit Montag keine Antwort vom Kundenservice auf meine Mail, echt schwach.", "hotline"),
    (
        0.2,
        "Mein Paket kam beschädigt an und der Karton war offen. Wo bleibt der Ersatz?",
        "delivery",
    ),
    (
        0.1,
        "The new headphones stopped working after one day, really poor quality.",
        "product_quality",
    ),
]


@dataclass(frozen=True)
class Scripted:
    comment_id: str
    created_at: datetime
    text: str
    aspect: str | None


def _open(at: datetime) -> bool:
    local = at.astimezone(ZONE)
    return local.weekday() < 5 and OPEN_H <= local.hour < CLOSE_H


def business_seconds(start: datetime, end: datetime) -> float:
    """Minute by minute: the part of each minute inside opening hours (they start on minutes)."""
    total = 0.0
    t = start.replace(second=0, microsecond=0)
    while t < end:
        nxt = t + timedelta(minutes=1)
        if _open(t):
            total += (min(nxt, end) - max(t, start)).total_seconds()
        t = nxt
    return total


def due_at(start: datetime, within: timedelta, business: bool) -> datetime:
    if not business:
        return start + within
    left = within.total_seconds()
    t = start
    while True:
        nxt = t.replace(second=0, microsecond=0) + timedelta(minutes=1)
        if _open(t):
            step = (nxt - t).total_seconds()
            if step >= left:
                return t + timedelta(seconds=left)
            left -= step
        t = nxt


def nearest_rank(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(len(ordered) * p / 100)) - 1]


@pytest.fixture(scope="module")
def week_stack(
    redis_url: str, postgres_server: infra.Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("weekly-report")
    (tmp / "accounts.yaml").write_text(ACCOUNTS, encoding="utf-8")
    url = infra.with_database(postgres_server.url, f"sc_week_{uuid.uuid4().hex[:12]}")
    infra.create_database(url)
    upgrade(url)
    asyncio.run(add_agents(url, LEAD))
    settings = Settings(
        redis_url=redis_url,
        database_url=url,
        stream_prefix=f"scweek-{uuid.uuid4().hex[:12]}",
        console_record_path=tmp / "console.ndjson",
        accounts_file=tmp / "accounts.yaml",
        _env_file=None,
    )
    env = _env(settings, {})
    env.update(
        ACCOUNTS_FILE=str(tmp / "accounts.yaml"),
        ACCEPT_UNKNOWN_ACCOUNTS="false",
        INBOX_SESSION_SECRET="weekly-report-secret",
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
        infra.drop_database(url)


def replay_week(stack: Stack, now: datetime) -> list[Scripted]:
    week = [
        Scripted(f"wk{uuid.uuid4().hex[:10]}", now - timedelta(hours=h), text, aspect)
        for h, text, aspect in SCRIPT
    ]
    payload = [
        {
            "platform": "facebook",
            "account_id": PAGE,
            "comment_id": s.comment_id,
            "post_id": "post-week",
            "author": {"id": f"au-{s.comment_id}", "name": "Kundin"},
            "text": s.text,
            "created_at": s.created_at.isoformat(),
        }
        for s in week
    ]
    response = httpx.post(
        stack.url("ingest") + "/v1/comments",
        json=payload,
        headers={"Authorization": f"Bearer {INGEST_KEY}"},
        timeout=30,
    )
    assert response.status_code in (200, 201, 202), response.text
    return week


def decisions(stack: Stack) -> dict[str, DecisionMade]:
    """Triage's decisions by comment id, read off its stream (what reporting reads too)."""
    names = StreamNames(stack.settings.stream_prefix)
    client = SyncRedis.from_url(stack.settings.redis_url)
    try:
        entries = raw_entries(client.xrange(names.decisions))
    finally:
        client.close()
    made = [DecisionMade.model_validate_json(f[DATA_FIELD]) for _, f in entries if DATA_FIELD in f]
    return {d.comment.comment_id: d for d in made if d.trigger != "community_window"}


def console_actions(stack: Stack) -> list[dict[str, Any]]:
    path = stack.console_record
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]


def expected(
    week: list[Scripted],
    made: dict[str, DecisionMade],
    actions: list[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    """Every figure the report must show, computed here from the script and the record."""
    replies: dict[str, datetime] = {}
    for a in actions:
        if a["kind"] in ("reply", "private_reply"):
            at = datetime.fromisoformat(a["recorded_at"])
            replies[a["comment_id"]] = min(at, replies.get(a["comment_id"], at))
    rows: dict[str, Counter[str]] = {}
    responses: dict[str, list[float]] = {}
    all_responses: list[float] = []
    topics: Counter[str] = Counter()
    for s in week:
        decision = made[s.comment_id]
        category = decision.category or "none"
        counts = rows.setdefault(category, Counter())
        counts["exchanges"] += 1
        reply = replies.get(s.comment_id)
        if category.startswith("complaint.") and s.aspect is not None:
            topics[s.aspect] += 1
        if category not in TARGETS:
            if reply is not None:
                all_responses.append((reply - s.created_at).total_seconds())
            continue
        within, business = TARGETS[category]
        due = due_at(s.created_at, within, business)
        if reply is not None:
            counts["met" if reply <= due else "breached"] += 1
            took = (
                business_seconds(s.created_at, reply)
                if business
                else (reply - s.created_at).total_seconds()
            )
            responses.setdefault(category, []).append(took)
            all_responses.append(took)
        else:
            counts["breached" if now > due else "pending"] += 1
    kinds = Counter(a["kind"] for a in actions)
    return {
        "rows": rows,
        "responses": responses,
        "all_responses": all_responses,
        "topics": topics,
        "actions": {
            "replies": kinds["reply"] + kinds["private_reply"],
            "hides": kinds["hide"],
            "deletions": kinds["delete"],
            "blocks": kinds["block_author"],
            "reports": kinds["report_to_platform"],
        },
    }


def weekly_json(stack: Stack, **params: str) -> dict[str, Any]:
    response = httpx.get(
        stack.url("reporting") + "/v1/reports/weekly",
        params={"account": PAGE, **params},
        headers={"Authorization": f"Bearer {REPORTING_KEY}"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def compare(report: dict[str, Any], want: dict[str, Any]) -> list[str]:
    """Differences between the report and the figures computed here (empty when they agree)."""
    problems = []
    got = {r["category"]: r for r in report["sla"]}
    for category, counts in want["rows"].items():
        row = got.get(category)
        if row is None:
            problems.append(f"{category}: missing")
            continue
        for field in ("exchanges", "met", "breached", "pending"):
            if row[field] != counts[field]:
                problems.append(f"{category}.{field}: report {row[field]} != {counts[field]}")
        for p, field in ((50, "first_response_p50_s"), (90, "first_response_p90_s")):
            mine = nearest_rank(want["responses"].get(category, []), p)
            if (mine is None) != (row[field] is None) or (
                mine is not None and abs(row[field] - mine) > 5
            ):
                problems.append(f"{category}.{field}: report {row[field]} != {mine}")
    if set(got) != set(want["rows"]):
        problems.append(f"categories: report {sorted(got)} != {sorted(want['rows'])}")
    totals = report["totals"]
    flat: Counter[str] = sum(want["rows"].values(), Counter())
    for field in ("exchanges", "met", "breached", "pending"):
        if totals[field] != flat[field]:
            problems.append(f"totals.{field}: report {totals[field]} != {flat[field]}")
    topics = {t["topic"]: t["count"] for t in report["topics"]}
    for aspect, count in want["topics"].items():
        if topics.get(aspect) != count:
            problems.append(f"topic {aspect}: report {topics.get(aspect)} != {count}")
    done: Counter[str] = Counter()
    for day in report["actions"]:
        done.update(day["counts"])
    for group, count in want["actions"].items():
        if done[group] != count:
            problems.append(f"actions.{group}: report {done[group]} != {count}")
    return problems


def test_a_replayed_week_adds_up_renders_in_the_browser_and_as_pdf(
    week_stack: Stack, tmp_path: Path
) -> None:
    stack = week_stack
    now = datetime.now(UTC)
    week = replay_week(stack, now)
    start, end = now - timedelta(days=7), now + timedelta(hours=1)
    period = {"from": start.isoformat(), "to": end.isoformat()}

    # Eventually consistent: poll until everything is decided and every reply recorded, then
    # the report must agree with this test's own figures.
    deadline = wall.monotonic() + 90
    problems: list[str] = ["not yet decided"]
    while wall.monotonic() < deadline:
        made = decisions(stack)
        if all(s.comment_id in made for s in week):
            want = expected(week, made, console_actions(stack), datetime.now(UTC))
            problems = compare(weekly_json(stack, **period), want)
            if not problems:
                break
        wall.sleep(0.5)
    if problems:
        threads = httpx.get(
            stack.url("reporting") + "/v1/threads",
            params={"account": PAGE, "status": "any", "limit": "100"},
            headers={"Authorization": f"Bearer {REPORTING_KEY}"},
        ).json()
        seen = [(t["category"], t["first_message_at"], t["first_response_at"]) for t in threads]
        mine = [(made[s.comment_id].category, s.created_at.isoformat()) for s in week]
        shown, scripted = sorted(map(str, seen)), sorted(map(str, mine))
        pytest.fail(f"{problems}\nreport: {shown}\nscript: {scripted}\n{stack.logs()}")
    flat: Counter[str] = sum(want["rows"].values(), Counter())
    assert flat["met"] >= 1 and flat["breached"] >= 1, f"the script mixes outcomes: {flat}"
    assert sum(want["topics"].values()) >= 8, f"most complaints must be decided as such: {want}"

    # Questions the API refuses, with the reason.
    for params, code in (
        ({"account": "nobody", "week": "2026-W48"}, 404),
        ({"account": PAGE}, 422),
        ({"account": PAGE, "week": "2026-W48", **period}, 422),
        (
            {
                "account": PAGE,
                "from": start.isoformat(),
                "to": (start + timedelta(days=93)).isoformat(),
            },
            422,
        ),
    ):
        answer = httpx.get(
            stack.url("reporting") + "/v1/reports/weekly",
            params=params,
            headers={"Authorization": f"Bearer {REPORTING_KEY}"},
        )
        assert answer.status_code == code and answer.json()["detail"], (params, answer.text)

    # The ISO week with most of the script: the Reports page, the HTML and the PDF show it.
    label = Counter(week_of(s.created_at, "Europe/Berlin") for s in week).most_common(1)[0][0]
    figures = weekly_json(stack, week=label)
    _reports_page(stack, label, figures)
    _weekly_documents(stack, tmp_path, label, figures)


def _reports_page(stack: Stack, label: str, figures: dict[str, Any]) -> None:
    with chromium(window="1280,2400") as browser:
        browser.get(stack.url("reporting") + "/inbox/lang/de?next=/inbox/login")
        browser.get(stack.url("reporting") + "/inbox/")
        assert browser.current_url.endswith("/inbox/login")
        name = next(iter(LEAD))
        browser.find_element(By.ID, "agent").send_keys(name)
        browser.find_element(By.ID, "password").send_keys(LEAD[name][1])
        browser.find_element(By.ID, "login-submit").click()
        WebDriverWait(browser, 30).until(lambda b: "/inbox/login" not in b.current_url)
        browser.find_element(By.LINK_TEXT, "Berichte").click()
        browser.get(stack.url("reporting") + f"/inbox/reports?account={PAGE}&week={label}")
        heading = browser.find_element(By.ID, "report-title").text
        assert heading == f"Wochenbericht · Nova Shop · {label}", heading
        charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart[role=img]")
        assert len(charts) == 6
        for chart in charts:
            assert chart.get_attribute("aria-label"), "every chart has a text alternative"
            box = chart.size
            assert box["width"] > 300 and box["height"] > 80, box  # laid out, not collapsed
        tables = browser.find_elements(By.CSS_SELECTOR, "table.figures")
        assert len(tables) == 6
        shown = browser.find_element(By.CSS_SELECTOR, "[data-figure=exchanges]").text
        assert shown == str(figures["totals"]["exchanges"])
        top = figures["topics"][0]["topic"] if figures["topics"] else None
        if top is not None:
            assert browser.find_elements(By.CSS_SELECTOR, f"article.topic[data-topic={top}]")
        assert not browser.find_elements(By.CSS_SELECTOR, "script[src^=http], link[href^=http]")
        if SHOTS:
            browser.set_window_size(1280, 1600)
            browser.save_screenshot(str(Path(SHOTS) / "reports-page.png"))


def _weekly_documents(stack: Stack, tmp_path: Path, label: str, figures: dict[str, Any]) -> None:
    env = {
        "DATABASE_URL": stack.settings.database_url,
        "ACCOUNTS_FILE": str(stack.settings.accounts_file),
        "ACCEPT_UNKNOWN_ACCOUNTS": "false",
    }
    pdf_path, html_path = tmp_path / "week.pdf", tmp_path / "week.html"
    done = run_cli(
        "report",
        "--account",
        PAGE,
        "--week",
        label,
        "--format",
        "pdf",
        "--out",
        str(pdf_path),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    pdf = pypdfium2.PdfDocument(pdf_path)
    first = pdf[0]
    text = first.get_textpage().get_text_range()
    assert f"Wochenbericht · Nova Shop · {label}" in text
    assert "Vorgänge" in text and str(figures["totals"]["exchanges"]) in text
    image = first.render(scale=1.5).to_pil()
    grey = image.convert("L").tobytes()
    assert sum(1 for v in grey if v < 128) > 5_000, "text and a chart on the first page"
    whole = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    for title in ("SLA-Einhaltung je Kategorie und Tag", "Rückstand am Ende jedes Tages"):
        assert title in whole
    if SHOTS:
        image.save(Path(SHOTS) / "weekly-report-page1.png")
    done = run_cli(
        "report",
        "--account",
        PAGE,
        "--week",
        label,
        "--format",
        "html",
        "--lang",
        "en",
        "--out",
        str(html_path),
        env=env,
    )
    assert done.returncode == 0, done.stderr
    html = html_path.read_text("utf-8")
    assert f"Weekly report · Nova Shop · {label}" in html and html.count('<svg role="img"') == 6
    unknown = run_cli("report", "--account", "nobody", "--week", label, env=env)
    assert unknown.returncode == 2 and "no account 'nobody'" in unknown.stderr
