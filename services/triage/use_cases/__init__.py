"""Triage's use cases, one module per inbound stream or command.

| in | module |
|---|---|
| `comments` stream | `comments.py`: classify, `decide()`, exchange, strikes, SLA timer |
| `actions` stream | `actions.py`: a reply done meets its SLA, the exchange awaits the customer |
| `commands` stream | `commands.py`: an agent resolves, reopens, takes over or releases |
| `alerts` stream | `alerts.py`: R11 at reporting's escalation alert |
| the timer loop | `due_timers.py`: fires due SLA and community timers |
| `GET /policy` | `http_policy.py`: the policy in force, as data |
"""
