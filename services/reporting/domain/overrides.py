"""How often agents overrode the machine, per label and account, and which threshold would have
agreed with them.

Pure: each case is one correction beside the decision it corrected (the labels triage gave and
the scores behind them). A label's verdict is what the agent said of it — asserted (`threat`),
denied (`not:threat`, or `not:abuse` for every `abuse.*`) — and a label the correction does not
mention is not counted either way.

The suggestion is the score threshold that would have matched the most verdicts; it is offered
only when it beats the labels as decided, and it is a hint for the next policy or training run,
never applied by itself: a handful of corrections from one account is not a calibration set.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from shared.labels import LABELS, NEGATION, denied

ALL_ACCOUNTS = "*"


@dataclass(frozen=True)
class Case:
    """One correction and what the machine had said of the same comment."""

    account_id: str
    tokens: tuple[str, ...]
    machine_labels: frozenset[str]
    scores: Mapping[str, float]


def verdicts(tokens: Iterable[str]) -> dict[str, bool]:
    """Label -> True (the agent says it applies) or False (says it does not)."""
    tokens = tuple(tokens)
    out: dict[str, bool] = {}
    for label in LABELS:
        if label in tokens:
            out[label] = True
        elif any(denied(label, t) for t in tokens if t.startswith(NEGATION)):
            out[label] = False
    return out


@dataclass(frozen=True)
class Suggestion:
    threshold: float
    matched: int


def best_threshold(pairs: Sequence[tuple[float, bool]]) -> Suggestion:
    """The threshold t (label when score ≥ t) matching the most verdicts; ties go to the one
    nearest 0.5, the policy's default, so a suggestion moves a threshold no further than needed."""
    scores = sorted({round(s, 4) for s, _v in pairs})
    candidates = {0.0, 0.5, *scores}
    candidates.update(round((a + b) / 2, 4) for a, b in zip(scores, scores[1:], strict=False))
    if scores:
        candidates.add(round(scores[-1] + 0.005, 4))  # just above every score: label none

    def matched(t: float) -> int:
        return sum((s >= t) == v for s, v in pairs)

    best = max(candidates, key=lambda t: (matched(t), -abs(t - 0.5)))
    return Suggestion(best, matched(best))


@dataclass(frozen=True)
class OverrideRow:
    """One label on one account (or `*`, every account)."""

    label: str
    account_id: str
    corrections: int
    agreed: int
    added: int
    """The machine missed it; the agent says it applies."""
    removed: int
    """The machine gave it; the agent says it does not."""
    suggestion: Suggestion | None

    @property
    def override_rate(self) -> float:
        return (self.added + self.removed) / self.corrections if self.corrections else 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "label": self.label,
            "account_id": self.account_id,
            "corrections": self.corrections,
            "agreed": self.agreed,
            "added_by_agents": self.added,
            "removed_by_agents": self.removed,
            "override_rate": round(self.override_rate, 3),
            "suggested_threshold": self.suggestion.threshold if self.suggestion else None,
            "matched_at_suggestion": self.suggestion.matched if self.suggestion else None,
        }


def _row(label: str, account_id: str, seen: Sequence[tuple[bool, float, bool]]) -> OverrideRow:
    """`seen`: (machine said it, score, agent's verdict) for each correction of the label."""
    agreed = sum(m == v for m, _s, v in seen)
    added = sum(v and not m for m, _s, v in seen)
    removed = sum(m and not v for m, _s, v in seen)
    best = best_threshold([(s, v) for _m, s, v in seen])
    return OverrideRow(
        label,
        account_id,
        len(seen),
        agreed,
        added,
        removed,
        best if best.matched > agreed else None,
    )


def override_report(cases: Iterable[Case]) -> list[OverrideRow]:
    """Every label an agent ruled on, per account and for all accounts, most overridden first."""
    seen: dict[tuple[str, str], list[tuple[bool, float, bool]]] = defaultdict(list)
    for case in cases:
        for label, verdict in verdicts(case.tokens).items():
            item = (label in case.machine_labels, float(case.scores.get(label, 0.0)), verdict)
            seen[(label, case.account_id)].append(item)
            seen[(label, ALL_ACCOUNTS)].append(item)
    rows = [_row(label, account, items) for (label, account), items in seen.items()]
    return sorted(rows, key=lambda r: (r.account_id != ALL_ACCOUNTS, -r.override_rate, r.label))


def table(rows: Sequence[OverrideRow]) -> str:
    """The report as a Markdown table, for the CLI and docs."""
    lines = [
        "| label | account | corrections | agreed | added by agents | removed by agents "
        "| overridden | threshold that matches best |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        hint = (
            f"≥ {r.suggestion.threshold:.3f} ({r.suggestion.matched}/{r.corrections})"
            if r.suggestion
            else "— (as decided is best)"
        )
        lines.append(
            f"| {r.label} | {r.account_id} | {r.corrections} | {r.agreed} | {r.added} "
            f"| {r.removed} | {r.override_rate:.0%} | {hint} |"
        )
    return "\n".join(lines)
