"""`steam-connect report --account A --week 2026-W48 --format pdf|html`: the weekly report a
lead forwards to product and service managers, as one self-contained file.

It reads reporting's tables with reporting's own queries (the command is reporting's, run from
the shell), so it works while the services are stopped; the figures are those of the inbox's
Reports page for the same account and week.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from services.reporting.adapters.reports import ReportQueries
from services.reporting.domain.weekly import Period, WeeklyReport, iso_week, week_of
from services.reporting.rendering.document import filename, render_html, render_pdf
from services.reporting.rendering.text import REPORT_LANGUAGES
from services.reporting.use_cases.weekly_report import UnknownAccount, WeeklyReports, find_account
from shared.accounts import Account, AccountDirectory
from shared.clock import utcnow
from shared.db.session import make_engine, make_sessionmaker
from shared.settings import Settings


def last_week(zone: str) -> str:
    """The ISO week before the current one: the default, a finished week."""
    return week_of(utcnow() - timedelta(days=7), zone)


async def build(
    settings: Settings, directory: AccountDirectory, account: Account, period: Period
) -> WeeklyReport:
    engine = make_engine(settings.database_url)
    try:
        queries = ReportQueries(make_sessionmaker(engine))
        return await WeeklyReports(queries, directory).build(account, period)
    finally:
        await engine.dispose()


def render(report: WeeklyReport, fmt: str, lang: str) -> bytes:
    if fmt == "pdf":
        return render_pdf(report, lang)
    return render_html(report, lang).encode("utf-8")


def run(account_id: str, week: str | None, fmt: str, out: str | None, lang: str | None) -> int:
    settings = Settings()
    directory = AccountDirectory.load(
        settings.accounts_file, accept_unknown=settings.accept_unknown_accounts
    )
    try:
        account = find_account(directory, account_id)
        period = iso_week(week or last_week(account.time_zone), account.time_zone)
    except (UnknownAccount, ValueError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    language = lang or (account.language if account.language in REPORT_LANGUAGES else "en")
    report = asyncio.run(build(settings, directory, account, period))
    data = render(report, fmt, language)
    if out == "-":
        sys.stdout.buffer.write(data)
        return 0
    target = Path(out or filename(report, fmt))
    target.write_bytes(data)
    print(
        f"report: {target} ({fmt}, {language}; account {account.account_id}, {period.label}: "
        f"{report.totals.exchanges} exchanges, {len(report.topics)} topics)",
        file=sys.stderr,
    )
    return 0
