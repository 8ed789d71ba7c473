"""The work queue and the reports: SLA compliance (JSON or CSV), what customers complain about."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, ConfigDict

from services.reporting.adapters.reports import QueueFilter, QueueSort, ReportQueries
from services.reporting.domain.reports import (
    CalendarLookup,
    SlaRow,
    TopicRow,
    improvement_report,
    sla_csv,
    sla_outcome,
    sla_report,
)
from services.reporting.domain.risk import account_risk
from services.reporting.domain.weekly import Period, WeeklyReport, iso_week
from services.reporting.use_cases.weekly_report import UnknownAccount, WeeklyReports, find_account
from shared.clock import utcnow
from shared.contracts.alerts import RiskBand

MAX_REPORT_PERIOD = timedelta(days=92)
"""A quarter: the weekly report's charts and backlog have one point per day."""


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class QueueItem(_View):
    thread_id: str
    platform: str
    account_id: str
    status: str
    category: str | None
    sla_due_at: datetime | None
    sla_state: str | None
    risk_score: float
    risk_band: str
    risk_reasons: list[dict[str, object]]
    messages: int
    first_message_at: datetime
    first_response_at: datetime | None
    last_activity_at: datetime


class AccountRiskView(_View):
    account_id: str
    score: float
    high_exchanges: int
    reasons: list[str]


class SlaReport(_View):
    start: datetime
    end: datetime
    rows: list[SlaRow]


class ImprovementReport(_View):
    start: datetime
    end: datetime
    previous_start: datetime
    topics: list[TopicRow]


def _period(start: datetime, end: datetime) -> None:
    if end <= start:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"'to' ({end}) must be after 'from' ({start})"
        )


def reports_router(
    queries: ReportQueries, calendars: CalendarLookup, threshold: float, weekly: WeeklyReports
) -> APIRouter:
    """Mounted under `/v1` behind the reporting keys by `install_routes`."""
    router = APIRouter(tags=["reports"])

    @router.get("/threads", response_model=list[QueueItem])
    async def work_queue(
        status_: Annotated[Literal["open", "resolved", "any"], Query(alias="status")] = "open",
        sort: QueueSort = "sla_due",
        account: str | None = None,
        platform: str | None = None,
        category: str | None = None,
        risk: RiskBand | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[QueueItem]:
        """Exchanges to work on, soonest deadline (or highest risk) first."""
        f = QueueFilter(status_, account, platform, category, risk, sort, limit)
        rows = await queries.work_queue(f)
        return [
            QueueItem.model_validate({**vars(row), "status": st}, from_attributes=False)
            for row, st in rows
        ]

    @router.get("/risk/accounts", response_model=list[AccountRiskView])
    async def accounts_at_risk() -> list[AccountRiskView]:
        """Per account: its worst open exchange, and how many exchanges are above threshold."""
        rows = await queries.work_queue(QueueFilter(sort="risk", limit=1000))
        per: dict[str, list[tuple[str, float]]] = {}
        for row, _ in rows:
            per.setdefault(row.account_id, []).append((row.thread_id, row.risk_score))
        risks = [account_risk(a, s, threshold=threshold) for a, s in sorted(per.items())]
        return [AccountRiskView(**{**vars(r), "reasons": list(r.reasons)}) for r in risks]

    @router.get("/reports/sla", response_model=SlaReport)
    async def sla(
        request: Request,
        start: Annotated[AwareDatetime, Query(alias="from")],
        end: Annotated[AwareDatetime, Query(alias="to")],
        format_: Annotated[Literal["json", "csv"] | None, Query(alias="format")] = None,
    ) -> SlaReport | Response:
        """Per account and category: first responses in time, late or still due, and response
        times, all from the customer's comment time (business seconds where the clock counts
        business hours)."""
        _period(start, end)
        exchanges = await queries.exchange_facts(start, end)
        rows = sla_report(exchanges, calendars, utcnow())
        wants_csv = format_ == "csv" or (
            format_ is None and "text/csv" in request.headers.get("accept", "")
        )
        if wants_csv:
            return Response(sla_csv(rows), media_type="text/csv")
        return SlaReport(start=start, end=end, rows=rows)

    @router.get("/reports/improvement", response_model=ImprovementReport)
    async def improvement(
        start: Annotated[AwareDatetime, Query(alias="from")],
        end: Annotated[AwareDatetime, Query(alias="to")],
        limit: Annotated[int, Query(ge=1, le=200)] = 20,
    ) -> ImprovementReport:
        """R14: what customers complained about, by aspect (delivery, refund…), with trend, the
        share of those exchanges that breached their SLA, and examples."""
        _period(start, end)
        try:
            previous_start = start - (end - start)
        except OverflowError as exc:  # found by tests/fuzz: from=2000, to=3999
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"period {start}..{end} too long: the previous period to compare with would "
                "start before year 1",
            ) from exc
        messages = await queries.feedback(previous_start, end)
        now = utcnow()
        outcomes = {
            e.thread_id: sla_outcome(e, now) for e in await queries.exchange_facts(start, end)
        }
        topics = improvement_report(messages, outcomes, start=start, end=end, limit=limit)
        return ImprovementReport(start=start, end=end, previous_start=previous_start, topics=topics)

    @router.get("/reports/weekly", response_model=WeeklyReport)
    async def weekly_figures(
        account: Annotated[str, Query(max_length=200)],
        week: Annotated[str | None, Query(pattern=r"^\d{4}-W\d{2}$")] = None,
        start: Annotated[AwareDatetime | None, Query(alias="from")] = None,
        end: Annotated[AwareDatetime | None, Query(alias="to")] = None,
    ) -> WeeklyReport:
        """The figures of the Reports page and the weekly document, for an ISO week (in the
        account's zone) or any [from, to)."""
        try:
            chosen = find_account(weekly.directory, account)
        except UnknownAccount as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
        if (start is None) != (end is None) or (week is None) == (start is None):
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "give either 'week' or both 'from' and 'to'"
            )
        if start is not None and end is not None:
            _period(start, end)
            if end - start > MAX_REPORT_PERIOD:
                raise HTTPException(
                    status.HTTP_422_UNPROCESSABLE_CONTENT,
                    f"a report covers at most {MAX_REPORT_PERIOD.days} days (its charts have a "
                    f"point per day); asked for {(end - start).days}",
                )
            period = Period(start, end, f"{start.isoformat()}/{end.isoformat()}", chosen.time_zone)
        else:
            period = iso_week(str(week), chosen.time_zone)
        try:
            return await weekly.build(chosen, period)
        except OverflowError as exc:  # the previous period, for the trends, before year 1
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"period {period.label} too long to compare with the period before",
            ) from exc

    return router
