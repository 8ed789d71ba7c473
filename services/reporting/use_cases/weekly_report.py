"""The weekly report use case: one account's period read from reporting's tables, then computed
by `domain.weekly`; the inbox page, the API and `steam-connect report` all call it."""

from __future__ import annotations

from services.reporting.adapters.reports import ReportQueries
from services.reporting.domain.business_time import calendars_from
from services.reporting.domain.weekly import Period, WeeklyReport, weekly_report
from shared.accounts import Account, AccountDirectory
from shared.clock import Clock, utcnow


class UnknownAccount(LookupError):
    """The account named is in no platform of the accounts file."""


def find_account(directory: AccountDirectory, account_id: str) -> Account:
    """The configured account with this id (on whichever platform)."""
    for account in directory:
        if account.account_id == account_id:
            return account
    known = ", ".join(sorted(a.account_id for a in directory)) or "none"
    raise UnknownAccount(f"no account {account_id!r} in the accounts file (configured: {known})")


class WeeklyReports:
    def __init__(
        self,
        queries: ReportQueries,
        directory: AccountDirectory,
        clock: Clock = utcnow,
    ) -> None:
        self.queries = queries
        self.directory = directory
        self._calendars = calendars_from(directory)
        self._clock = clock

    async def build(self, account: Account, period: Period) -> WeeklyReport:
        """Six queries: exchanges (with their first SLA clocks), complaints of this and the
        previous period, completed actions, alerts."""
        q, aid = self.queries, account.account_id
        previous_start = period.start - (period.end - period.start)
        return weekly_report(
            account_id=aid,
            account_name=account.name or aid,
            period=period,
            exchanges=await q.exchange_facts(period.start, period.end, aid),
            messages=await q.feedback(previous_start, period.end, aid),
            actions=await q.actions_done(period.start, period.end, aid),
            alerts=await q.alerts(period.start, period.end, aid),
            calendars=self._calendars,
            now=self._clock(),
        )
