"""The responder's use cases, one module per inbound stream or command.

| in | module |
|---|---|
| `decisions` stream | `decisions.py`: outbox rows, then at most one platform call per action |
| `commands` stream | `commands.py`: approve (maybe edited) or discard a draft, undo a hide |
| the retry loop | `due_actions.py`: rows whose retry or `not_before` time has come |
| `/v1/drafts` | `http_drafts.py`: review, approve or discard drafts over HTTP |

All of them drive rows through `driver.ActionDriver` and publish through `announce`.
"""
