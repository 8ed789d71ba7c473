"""Escalation early warning: a transparent score (0-100) from an exchange's recent history.

Each feature is a number in 0..1 times a fixed weight (the weights sum to 100), so every score
explains itself as "points per feature". No I/O and no clock: the caller passes `now`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean
from typing import Literal

from services.reporting.domain.signals import MessageSignal

Band = Literal["low", "elevated", "high"]

WEIGHTS: dict[str, float] = {
    "negativity": 10.0,
    "negativity_trend": 10.0,
    "velocity": 10.0,
    "negative_authors": 20.0,
    "toxicity_rise": 10.0,
    "engagement_growth": 10.0,
    "storm": 20.0,
    "sla_proximity": 10.0,
}
RECENT = 3
"""Messages that count as "recent" for levels and trends."""
STORM_FULL = 5
"""Exchanges sharing a complaint topic at which the storm feature reaches its maximum."""
BURST = timedelta(minutes=30)
NEGATIVE = 0.5


@dataclass(frozen=True)
class Reason:
    feature: str
    points: float
    detail: str


@dataclass(frozen=True)
class RiskScore:
    score: float
    reasons: tuple[Reason, ...]
    """Every feature that added points, largest first."""

    def top(self, n: int = 3) -> tuple[Reason, ...]:
        return self.reasons[:n]


def _clip(x: float) -> float:
    return min(1.0, max(0.0, x))


def _negativity(msgs: Sequence[MessageSignal]) -> tuple[float, str]:
    recent = [m.negativity for m in msgs[-RECENT:]]
    level = fmean(recent) if recent else 0.0
    return level, f"recent messages {level:.0%} negative on average"


def _trend(msgs: Sequence[MessageSignal]) -> tuple[float, str]:
    if len(msgs) <= 1:
        return 0.0, "no earlier messages to compare"
    recent = fmean(m.negativity for m in msgs[-RECENT:])
    earlier = fmean(m.negativity for m in (msgs[:-RECENT] or msgs[:1]))
    rise = recent - earlier
    return _clip(rise * 2), f"negativity rose by {rise:+.2f} against earlier messages"


def _velocity(msgs: Sequence[MessageSignal], now: datetime) -> tuple[float, str]:
    n = sum(1 for m in msgs if now - m.at <= BURST)
    return _clip((n - 1) / 5), f"{n} messages in the last {BURST.seconds // 60} minutes"


def _authors(msgs: Sequence[MessageSignal]) -> tuple[float, str]:
    k = len({m.author_id for m in msgs if m.negativity >= NEGATIVE})
    return _clip((k - 1) / 3), f"{k} distinct negative authors"


def _toxicity(msgs: Sequence[MessageSignal]) -> tuple[float, str]:
    recent = max((m.toxicity for m in msgs[-RECENT:]), default=0.0)
    earlier = fmean(m.toxicity for m in msgs[:-RECENT]) if len(msgs) > RECENT else 0.0
    rise = recent - earlier
    return _clip(rise), f"toxicity up to {recent:.2f} (earlier average {earlier:.2f})"


def _engagement(msgs: Sequence[MessageSignal], now: datetime) -> tuple[float, str]:
    """Other people joining in: messages by anyone but the opener, last burst vs the one before."""
    opener = msgs[0].author_id if msgs else ""
    others = [m for m in msgs if m.author_id != opener]
    recent = sum(1 for m in others if now - m.at <= BURST)
    before = sum(1 for m in others if BURST < now - m.at <= 2 * BURST)
    growth = recent - before
    return _clip(growth / 4), f"{recent} replies by others in the last burst, {before} before"


def _storm(msgs: Sequence[MessageSignal], others: Iterable[MessageSignal]) -> tuple[float, str]:
    """The same complaint keyword in several exchanges of the account at once.

    Stops counting a topic at STORM_FULL exchanges, where the feature is at its maximum: in a
    storm the account has thousands of recent messages, and reading them all for every
    exchange would make scoring quadratic exactly when it matters.
    """
    mine = {t for m in msgs[-RECENT:] for t in m.topics if not t.startswith("category:")}
    threads: dict[str, set[str]] = defaultdict(set)
    for m in msgs:
        for t in m.topics:
            if t in mine:
                threads[t].add(m.thread_id)
    open_topics = set(mine)
    for m in others:
        if not open_topics:
            break
        if m.negativity < NEGATIVE:
            continue
        for t in open_topics.intersection(m.topics):
            threads[t].add(m.thread_id)
            if len(threads[t]) >= STORM_FULL:
                open_topics.discard(t)
    if not threads:
        return 0.0, "no shared complaint topic"
    topic, where = max(threads.items(), key=lambda kv: (len(kv[1]), kv[0]))
    count = f"at least {STORM_FULL}" if len(where) >= STORM_FULL else str(len(where))
    return _clip((len(where) - 1) / (STORM_FULL - 1)), f"'{topic}' raised in {count} exchanges"


def _sla(due_at: datetime | None, sla_state: str | None, now: datetime) -> tuple[float, str]:
    if due_at is None or sla_state in ("met", "cancelled"):
        return 0.0, "no open first-response deadline"
    if sla_state == "breached" or due_at <= now:
        return 1.0, "first-response deadline passed"
    left = due_at - now
    return _clip(1 - left / timedelta(hours=1)), f"first response due in {left}"


def score_exchange(
    thread: Sequence[MessageSignal],
    account_recent: Sequence[MessageSignal],
    *,
    sla_due_at: datetime | None,
    sla_state: str | None,
    now: datetime,
    window: timedelta,
) -> RiskScore:
    """The exchange's risk at `now` from its messages in `window` and the account's others.

    `account_recent` is best given newest first: the storm feature stops reading it early.
    """
    msgs = sorted((m for m in thread if now - window <= m.at <= now), key=lambda m: m.at)
    own = {m.thread_id for m in thread}
    others = (
        m
        for m in account_recent
        if now - window <= m.at <= now and m.thread_id not in own
    )
    values = {
        "negativity": _negativity(msgs),
        "negativity_trend": _trend(msgs),
        "velocity": _velocity(msgs, now),
        "negative_authors": _authors(msgs),
        "toxicity_rise": _toxicity(msgs),
        "engagement_growth": _engagement(msgs, now),
        "storm": _storm(msgs, others),
        "sla_proximity": _sla(sla_due_at, sla_state, now),
    }
    reasons = [
        Reason(name, round(WEIGHTS[name] * value, 1), detail)
        for name, (value, detail) in values.items()
        if value > 0
    ]
    reasons.sort(key=lambda r: (-r.points, r.feature))
    return RiskScore(round(sum(r.points for r in reasons), 1), tuple(reasons))


def band(score: float, *, threshold: float, rearm: float) -> Band:
    if score >= threshold:
        return "high"
    return "elevated" if score >= rearm else "low"


def alert_step(armed: bool, score: float, *, threshold: float, rearm: float) -> tuple[bool, bool]:
    """(fire, armed after): fire once on crossing; re-arm only after falling below `rearm`."""
    if armed and score >= threshold:
        return True, False
    if not armed and score < rearm:
        return False, True
    return False, armed


@dataclass(frozen=True)
class AccountRisk:
    account_id: str
    score: float
    high_exchanges: int
    reasons: tuple[str, ...]


def account_risk(
    account_id: str, scores: Sequence[tuple[str, float]], *, threshold: float
) -> AccountRisk:
    """An account is as risky as its worst exchange, plus up to 20 points for several hot ones."""
    if not scores:
        return AccountRisk(account_id, 0.0, 0, ())
    worst_thread, worst = max(scores, key=lambda s: s[1])
    hot = sum(1 for _, s in scores if s >= threshold)
    extra = 20.0 * _clip((hot - 1) / 4)
    reasons = [f"worst exchange {worst_thread} scores {worst:.0f}"]
    if hot > 1:
        reasons.append(f"{hot} exchanges at or above {threshold:.0f}")
    return AccountRisk(account_id, round(min(100.0, worst + extra), 1), hot, tuple(reasons))
