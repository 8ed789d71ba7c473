"""Three synthetic, timed decision sequences: a calm week, one angry customer, a brewing storm.

Deterministic (seeded), so the measured table in docs/reporting.md can be reproduced exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shared.contracts import Author, Comment, DecisionMade

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
ACCOUNT = "acc-eval"
PRODUCTS = ["akku", "lieferung", "rechnung", "display", "app", "hotline", "versand", "garantie"]
POSITIVE = ["Danke, super Service!", "Love the new colours", "Wann kommt das neue Modell?"]


@dataclass
class Scenario:
    name: str
    decisions: list[DecisionMade] = field(default_factory=list)
    storm_threads: set[str] = field(default_factory=set)
    """Threads that belong to the incident (alerts elsewhere are false alarms)."""
    expect_alert: bool = False

    def add(
        self,
        at: datetime,
        thread: str,
        author: str,
        text: str,
        scores: dict[str, float],
    ) -> None:
        n = len(self.decisions)
        labels = [k for k, v in scores.items() if v >= 0.5]
        category = next((lb for lb in labels if lb.startswith("complaint.")), None)
        comment = Comment(
            platform="facebook",
            account_id=ACCOUNT,
            comment_id=f"{self.name}-c{n}",
            post_id=f"{self.name}-post",
            parent_id=None if thread == f"{self.name}-c{n}" else thread,
            thread_id=thread,
            author=Author(id=author, name=author),
            text=text,
            created_at=at,
        )
        self.decisions.append(
            DecisionMade(
                occurred_at=at,
                correlation_id=thread,
                account_id=ACCOUNT,
                decision_id=f"{self.name}-d{n}",
                comment_event_id=f"{self.name}-e{n}",
                comment=comment,
                lang="de",
                labels=labels or ["neutral"],
                scores=scores,
                rule_id="R1" if category else "none",
                reason="synthetic",
                policy_version="eval",
                category=category,
                sla_due_at=at + timedelta(hours=1) if category else None,
                actions=[],
                improvement=category is not None,
            )
        )

    def next_id(self) -> str:
        return f"{self.name}-c{len(self.decisions)}"


def _background(
    s: Scenario, rng: random.Random, start: datetime, hours: int, per_hour: float
) -> None:
    """Unrelated single comments: praise, questions and the odd complaint, each its own thread."""
    t = start
    end = start + timedelta(hours=hours)
    while True:
        t += timedelta(minutes=rng.expovariate(per_hour / 60))
        if t >= end:
            return
        if t.hour < 7 or t.hour >= 21:
            continue
        thread = s.next_id()
        if rng.random() < 0.4:
            product = rng.choice(PRODUCTS)
            s.add(
                t,
                thread,
                f"u{rng.randrange(10**6)}",
                f"Mein {product} ist kaputt",
                {"complaint.product": rng.uniform(0.55, 0.9)},
            )
        else:
            s.add(t, thread, f"u{rng.randrange(10**6)}", rng.choice(POSITIVE), {"positive": 0.8})


def calm_week(seed: int = 7) -> Scenario:
    s = Scenario("calm")
    rng = random.Random(seed)  # noqa: S311 - reproducible scenarios, not secrets
    _background(s, rng, START, 7 * 24, per_hour=4.0)
    return s


def angry_customer(seed: int = 11) -> Scenario:
    """One customer writes twelve ever angrier messages into their own exchange within 90 min."""
    rng = random.Random(seed)  # noqa: S311 - reproducible scenarios, not secrets
    s = Scenario("angry")
    _background(s, rng, START, 6, per_hour=3.0)
    thread = "angry-thread"
    for i in range(12):
        at = START + timedelta(hours=2, minutes=8 * i)
        neg = min(1.0, 0.6 + 0.04 * i)
        scores = {"complaint.product": neg}
        if i >= 7:
            scores["abuse.aggression"] = 0.5 + 0.05 * i
        s.add(at, thread, "angry-1", f"Mein Akku ist immer noch kaputt! ({i})", scores)
    return s


def brewing_storm(seed: int = 13) -> Scenario:
    """A battery defect: complaints accelerate over three hours across many exchanges, then ebb.

    Some go to a main thread where other customers pile on; most open exchanges of their own.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible scenarios, not secrets
    s = Scenario("storm", expect_alert=True)
    _background(s, rng, START, 8, per_hour=3.0)
    main = "storm-main"
    s.storm_threads.add(main)
    s.add(
        START + timedelta(hours=2),
        main,
        "storm-opener",
        "Akku schwillt an nach dem Update",
        {"complaint.product": 0.8},
    )
    t = START + timedelta(hours=2)
    rate_per_hour = [4, 8, 14, 24, 36, 24, 10, 4]  # per 20-minute step, peak in step 4
    for step, rate in enumerate(rate_per_hour):
        step_end = START + timedelta(hours=2, minutes=20 * (step + 1))
        while True:
            t += timedelta(minutes=rng.expovariate(rate / 60))
            if t >= step_end:
                t = step_end
                break
            author = f"storm-u{rng.randrange(10**6)}"
            tox = {"abuse.aggression": 0.6} if rng.random() < 0.2 * (step / 4) else {}
            text = rng.choice(["Akku kaputt nach Update", "Mein Akku ist auch aufgebläht!"])
            scores = {"complaint.product": rng.uniform(0.7, 0.95), **tox}
            if rng.random() < 0.35:
                s.add(t, main, author, text, scores)
            else:
                thread = s.next_id()
                s.storm_threads.add(thread)
                s.add(t, thread, author, text, scores)
    return s


def all_scenarios() -> list[Scenario]:
    return [calm_week(), angry_customer(), brewing_storm()]
