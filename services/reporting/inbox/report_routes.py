"""The inbox's Reports page: one account's week in charts and tables, and its downloads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from services.reporting.adapters.reports import ReportQueries
from services.reporting.domain.weekly import Period, iso_week, week_of
from services.reporting.inbox.web import Inbox, language, render, signed_in
from services.reporting.rendering.document import (
    context,
    filename,
    render_html,
    render_pdf,
    stylesheet,
)
from services.reporting.use_cases.weekly_report import UnknownAccount, WeeklyReports, find_account
from shared.accounts import Account
from shared.clock import utcnow

WEEK = r"^\d{4}-W\d{2}$"


def report_routes(inbox: Inbox, router: APIRouter) -> None:
    reports = WeeklyReports(ReportQueries(inbox.sessions), inbox.accounts)

    def choose(account_id: str | None) -> Account:
        accounts = sorted(inbox.accounts, key=lambda a: (a.name or a.account_id, a.platform))
        if account_id is None:
            if not accounts:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "no accounts are configured")
            return accounts[0]
        try:
            return find_account(inbox.accounts, account_id)
        except UnknownAccount as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc

    def period_of(account: Account, week: str | None) -> tuple[str, Period]:
        label = week or week_of(utcnow(), account.time_zone)
        try:
            return label, iso_week(label, account.time_zone)
        except ValueError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc

    @router.get("/reports", response_class=HTMLResponse)
    async def reports_page(
        request: Request,
        account: Annotated[str | None, Query(max_length=200)] = None,
        week: Annotated[str | None, Query(pattern=WEEK)] = None,
    ) -> Response:
        """Defaults to the first account and the current week (so far)."""
        who = await signed_in(inbox, request)
        chosen = choose(account)
        label, period = period_of(chosen, week)
        report = await reports.build(chosen, period)
        lang = language(request)
        page = {
            **await run_in_threadpool(context, report, lang),
            "accounts": sorted(inbox.accounts, key=lambda a: a.name or a.account_id),
            "account": chosen,
            "week": label,
            "css": stylesheet(),
        }
        return render(inbox, request, "reports.html", page, who)

    @router.get("/reports/download")
    async def download(
        request: Request,
        account: Annotated[str, Query(max_length=200)],
        week: Annotated[str, Query(pattern=WEEK)],
        format_: Annotated[Literal["html", "pdf"], Query(alias="format")] = "pdf",
    ) -> Response:
        """The self-contained document `steam-connect report` writes, for the same week."""
        await signed_in(inbox, request)
        chosen = choose(account)
        _label, period = period_of(chosen, week)
        report = await reports.build(chosen, period)
        lang = language(request)
        if format_ == "pdf":
            body, media = await run_in_threadpool(render_pdf, report, lang), "application/pdf"
        else:
            html = await run_in_threadpool(render_html, report, lang)
            body, media = html.encode("utf-8"), "text/html; charset=utf-8"
        headers = {
            "Content-Disposition": f'attachment; filename="{filename(report, format_)}"',
            "Cache-Control": "no-store",
        }
        return Response(body, media_type=media, headers=headers)
