"""`python -m services.reporting.evaluate_risk`: how early and how falsely the risk alert fires."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import timedelta

from services.reporting.evaluation.replay import Alert, replay
from services.reporting.evaluation.scenarios import Scenario, all_scenarios
from shared.settings import Settings

PEAK_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True)
class Outcome:
    scenario: str
    messages: int
    alerts: int
    false_alarms: int
    peak_index: int | None
    first_alert_index: int | None

    @property
    def lead(self) -> int | None:
        """Messages between the first true alert and the peak (positive: before the peak)."""
        if self.peak_index is None or self.first_alert_index is None:
            return None
        return self.peak_index - self.first_alert_index


def peak_index(s: Scenario) -> int | None:
    """The incident message at which the incident's 30-minute message rate is highest."""
    ordered = sorted(s.decisions, key=lambda d: d.occurred_at)
    times = [
        (i, d.occurred_at) for i, d in enumerate(ordered) if d.comment.thread_id in s.storm_threads
    ]
    if not times:
        return None
    best, best_count = times[0][0], 0
    for i, at in times:
        count = sum(1 for _, other in times if at - PEAK_WINDOW < other <= at)
        if count > best_count:
            best, best_count = i, count
    return best


def evaluate(s: Scenario, *, threshold: float, rearm: float, window: timedelta) -> Outcome:
    alerts: list[Alert] = replay(s.decisions, threshold=threshold, rearm=rearm, window=window)
    true = [a for a in alerts if a.thread_id in s.storm_threads]
    return Outcome(
        scenario=s.name,
        messages=len(s.decisions),
        alerts=len(alerts),
        false_alarms=len(alerts) - len(true),
        peak_index=peak_index(s),
        first_alert_index=true[0].index if true else None,
    )


def table(outcomes: list[Outcome]) -> str:
    rows = [
        "| scenario | messages | alerts | false alarms | first alert at msg | peak at msg "
        "| alert lead (msgs before peak) |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        cells = [
            o.scenario,
            o.messages,
            o.alerts,
            o.false_alarms,
            o.first_alert_index,
            o.peak_index,
            o.lead,
        ]
        rows.append("| " + " | ".join("—" if c is None else str(c) for c in cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    defaults = Settings(_env_file=None)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, default=defaults.risk_alert_threshold)
    parser.add_argument("--rearm", type=float, default=defaults.risk_alert_rearm)
    parser.add_argument("--window-minutes", type=int, default=defaults.risk_window_minutes)
    args = parser.parse_args(argv)
    window = timedelta(minutes=args.window_minutes)
    outcomes = [
        evaluate(s, threshold=args.threshold, rearm=args.rearm, window=window)
        for s in all_scenarios()
    ]
    sys.stdout.write(table(outcomes) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
