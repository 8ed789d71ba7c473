"""YouTube Data API v3 over HTTP: one `commentThreads.list` call per page (1 quota unit)."""

from __future__ import annotations

from typing import Any

import httpx

from services.ingest.connectors.youtube import QuotaExceeded, quota_exceeded


class YouTubeApiError(RuntimeError):
    """Any other failed answer; the message carries the channel, status and YouTube's reason."""


class YouTubeApi:
    """Authenticates with an API key (`key=`) and/or an OAuth bearer token."""

    def __init__(
        self, client: httpx.AsyncClient, base_url: str, *, api_key: str = "", oauth_token: str = ""
    ) -> None:
        if not api_key and not oauth_token:
            raise ValueError("YouTube polling needs YOUTUBE_API_KEY or YOUTUBE_OAUTH_TOKEN")
        self._client = client
        self._url = base_url.rstrip("/") + "/commentThreads"
        self._api_key = api_key
        self._headers = {"Authorization": f"Bearer {oauth_token}"} if oauth_token else {}

    async def comment_threads(self, channel: str, page_token: str | None) -> dict[str, Any]:
        """One page of the channel's threads, newest first; raises on quota or other errors."""
        params: dict[str, str | int] = {
            "part": "snippet,replies",
            "allThreadsRelatedToChannelId": channel,
            "order": "time",
            "maxResults": 100,
            "textFormat": "plainText",
        }
        if page_token:
            params["pageToken"] = page_token
        if self._api_key:
            params["key"] = self._api_key
        response = await self._client.get(self._url, params=params, headers=self._headers)
        try:
            body = response.json()
        except ValueError:
            body = None
        if quota_exceeded(response.status_code, body):
            raise QuotaExceeded(f"YouTube quota exhausted while polling channel {channel}")
        if response.status_code != 200 or not isinstance(body, dict):
            raise YouTubeApiError(
                f"YouTube commentThreads for channel {channel} answered "
                f"{response.status_code}: {response.text[:300]}"
            )
        return body
