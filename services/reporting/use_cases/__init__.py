"""Reporting's use cases, one module per inbound stream or command; all build its read model.

| in | module |
|---|---|
| `comments` stream | `comments.py`: the history of every comment (edits, removals) |
| `decisions` stream | `decisions.py`: messages, summaries, risk score, escalation alerts |
| `actions` stream | `actions.py`: outcomes counted, first response |
| `action-states` stream | `action_states.py`: its copy of the outbox (timelines, drafts, threats) |
| `timers` stream | `timers.py`: SLA timer history, deadlines met or breached |
| `exchanges` stream | `exchanges.py`: its copy of triage's exchange states |
| `/v1/threads`, `/v1/risk/*`, `/v1/reports/*` | `http_reports.py`: queue, risk, SLA, improvement |

The agents' inbox (pages and the commands it publishes) is `services/reporting/inbox/`.
"""
