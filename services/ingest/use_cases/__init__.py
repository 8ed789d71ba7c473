"""Ingest's use case and the entry points that feed it.

| in | module |
|---|---|
| every entry point below | `ingest_comments.py`: account, thread, dedupe + publish in one script |
| `POST /v1/comments` | `http_comments.py` |
| `/webhooks/{facebook,instagram,x}` | `http_webhooks.py`: signatures, handshakes, parsing |
| the YouTube poller | `youtube_poll.py`: new comment threads per channel, quota budget |
"""
