"""The scheduled weekly report: each account that asks for one gets last week's report posted
to its webhook once, signed like every notification.

"Once" is kept in Redis: a claim (SET NX with a short expiry) so two reporting replicas don't
both send, then a marker kept for 60 days once the receiver accepted the file. A refused or
failed delivery leaves no marker: the next check (WEEKLY_REPORT_CHECK_S) tries again.
"""

from __future__ import annotations

import asyncio
import logging
import time as wall
from datetime import timedelta

import httpx

from services.reporting.domain.weekly import iso_week, week_to_send
from services.reporting.rendering.document import filename, render_html, render_pdf
from services.reporting.rendering.text import REPORT_LANGUAGES
from services.reporting.use_cases.weekly_report import WeeklyReports
from shared.accounts import WEEKDAYS, Account, WeeklyReportDelivery
from shared.clock import Clock, utcnow
from shared.notifications import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature,
)
from shared.redis_connection import AsyncRedis
from shared.streams.names import StreamNames

log = logging.getLogger(__name__)
EVENT = "weekly_report"
CLAIM_S = 600
SENT_TTL_S = int(timedelta(days=60).total_seconds())
UPLOAD_TIMEOUT_S = 30.0
"""A report is a file of a few hundred kilobytes, not a notification: more time to upload."""
MEDIA = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


class WeeklyDelivery:
    def __init__(
        self,
        reports: WeeklyReports,
        redis: AsyncRedis,
        names: StreamNames,
        client: httpx.AsyncClient,
        *,
        timeout_s: float = UPLOAD_TIMEOUT_S,
        clock: Clock = utcnow,
    ) -> None:
        self._reports = reports
        self._redis = redis
        self._names = names
        self._client = client
        self._timeout_s = timeout_s
        self._clock = clock

    def _key(self, account: Account, week: str) -> str:
        return self._names.key(f"weekly-report:{account.platform}:{account.account_id}:{week}")

    async def send_due(self) -> list[str]:
        """Sends every report due now and not sent yet; `platform:account:week` of those sent."""
        sent = []
        for account in self._reports.directory:
            plan = account.weekly_report
            if plan is None:
                continue
            week = week_to_send(
                self._clock(), account.time_zone, WEEKDAYS.index(plan.weekday), plan.at
            )
            key = self._key(account, week)
            if not await self._redis.set(key, "sending", nx=True, ex=CLAIM_S):
                continue  # sent already, or another replica is sending it
            try:
                await self._send(account, plan, week)
            except (httpx.HTTPError, DeliveryRefused) as exc:
                await self._redis.delete(key)
                log.warning(
                    "weekly report %s of %s:%s not delivered (will retry): %s",
                    week,
                    account.platform,
                    account.account_id,
                    exc,
                )
                continue
            await self._redis.set(key, "sent", ex=SENT_TTL_S)
            sent.append(f"{account.platform}:{account.account_id}:{week}")
            log.info(
                "weekly report %s of %s:%s delivered", week, account.platform, account.account_id
            )
        return sent

    async def _send(self, account: Account, plan: WeeklyReportDelivery, week: str) -> None:
        hook = next(h for h in account.webhooks if h.name == plan.webhook)
        lang = plan.lang or (account.language if account.language in REPORT_LANGUAGES else "en")
        report = await self._reports.build(account, iso_week(week, account.time_zone))
        if plan.format == "pdf":
            body = await asyncio.to_thread(render_pdf, report, lang)
        else:
            body = (await asyncio.to_thread(render_html, report, lang)).encode("utf-8")
        stamp = str(int(wall.time()))
        headers = {
            "Content-Type": MEDIA[plan.format],
            "Content-Disposition": f'attachment; filename="{filename(report, plan.format)}"',
            EVENT_HEADER: EVENT,
            DELIVERY_HEADER: f"{EVENT}:{account.platform}:{account.account_id}:{week}",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: signature(hook.secret.get_secret_value(), stamp, body),
        }
        response = await self._client.post(
            str(hook.url), content=body, headers=headers, timeout=self._timeout_s
        )
        if response.status_code >= 300:
            raise DeliveryRefused(f"{hook.name} answered {response.status_code}")

    async def run(self, stop: asyncio.Event, interval_s: float) -> None:
        while not stop.is_set():
            try:
                await self.send_due()
            except Exception:  # a database or Redis outage: the next round tries again
                log.exception("weekly report round failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
            except TimeoutError:
                pass


class DeliveryRefused(RuntimeError):
    """The receiver answered, but not with success."""
