"""Escalation early warning: a transparent score (0-100) from an exchange's recent history.

Each feature is a number in 0..1 times a fixed weight (the weights sum to 100), so every score
explains itself as "points per feature". No I/O and no clock: the caller passes `now`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean

from services.reporting.domain.signals import MessageSignal
from services.reporting.domain.topics import CATEGORY_PREFIX
from shared.contracts.alerts import RiskBand

Band = RiskBand

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


@dataclass(frozen=True)
class TopicIndex:
    """Where each complaint topic was raised lately, per account, newest first.

    Built once per batch from the account's recent negative messages, so the storm feature of
    an exchange reads only the threads of the topics it raises: in a storm the account has
    thousands of recent messages, and scanning them for every exchange made scoring quadratic
    exactly when it matters.
    """

    raised: Mapping[tuple[str, str], tuple[tuple[datetime, str], ...]]

    @classmethod
    def of(cls, messages: Iterable[MessageSignal]) -> TopicIndex:
        """From messages; only negative ones count."""
        return cls.raised_in(
            (m.account_id, m.at, m.thread_id, m.topics)
            for m in messages
            if m.negativity >= NEGATIVE
        )

    @classmethod
    def raised_in(cls, entries: Iterable[tuple[str, datetime, str, Iterable[str]]]) -> TopicIndex:
        """From (account id, time, thread id, topics) of negative messages."""
        raised: dict[tuple[str, str], list[tuple[datetime, str]]] = defaultdict(list)
        for account_id, at, thread_id, topics in entries:
            for topic in topics:
                raised[(account_id, topic)].append((at, thread_id))
        return cls(
            {key: tuple(sorted(v, key=lambda p: p[0], reverse=True)) for key, v in raised.items()}
        )

    def threads(
        self, account_id: str, topic: str, *, since: datetime, until: datetime
    ) -> Iterator[str]:
        """Threads that raised `topic` in [since, until], newest first (repeats included)."""
        for at, thread_id in self.raised.get((account_id, topic), ()):
            if at < since:
                return
            if at <= until:
                yield thread_id


NO_TOPICS = TopicIndex({})


def storm_topics(messages: Iterable[MessageSignal]) -> set[str]:
    """The complaint aspects a storm can be about (delivery, billing…): a category alone is not."""
    return {t for m in messages for t in m.topics if not t.startswith(CATEGORY_PREFIX)}


def _storm(
    msgs: Sequence[MessageSignal],
    own: set[str],
    topics: TopicIndex,
    now: datetime,
    window: timedelta,
) -> tuple[float, str]:
    """The same complaint keyword in several exchanges of the account at once.

    Stops counting a topic at STORM_FULL exchanges, where the feature is at its maximum.
    """
    mine = storm_topics(msgs[-RECENT:])
    threads: dict[str, set[str]] = defaultdict(set)
    for m in msgs:
        for t in m.topics:
            if t in mine:
                threads[t].add(m.thread_id)
    account_id = msgs[-1].account_id if msgs else ""
    for t in sorted(mine):
        for thread_id in topics.threads(account_id, t, since=now - window, until=now):
            if thread_id not in own:
                threads[t].add(thread_id)
                if len(threads[t]) >= STORM_FULL:
                    break
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
    topics: TopicIndex,
    *,
    sla_due_at: datetime | None,
    sla_state: str | None,
    now: datetime,
    window: timedelta,
) -> RiskScore:
    """The exchange's risk at `now` from its messages in `window` and the account's topics."""
    msgs = sorted((m for m in thread if now - window <= m.at <= now), key=lambda m: m.at)
    own = {m.thread_id for m in thread}
    values = {
        "negativity": _negativity(msgs),
        "negativity_trend": _trend(msgs),
        "velocity": _velocity(msgs, now),
        "negative_authors": _authors(msgs),
        "toxicity_rise": _toxicity(msgs),
        "engagement_growth": _engagement(msgs, now),
        "storm": _storm(msgs, own, topics, now, window),
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
