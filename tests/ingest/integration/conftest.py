"""Ingest under a real uvicorn server, with every connector's secrets set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from services.ingest.bootstrap import create_app
from shared.settings import Settings
from tests.fakes.server import ServerThread

FB_SECRET = "fb-app-secret"
IG_SECRET = "ig-app-secret"
VERIFY_TOKEN = "fb-verify-token"
X_SECRET = "x-consumer-secret"


def with_connectors(settings: Settings, **extra: object) -> Settings:
    return settings.model_copy(
        update={
            "facebook_app_secret": SecretStr(FB_SECRET),
            "instagram_app_secret": SecretStr(IG_SECRET),
            "facebook_verify_token": SecretStr(VERIFY_TOKEN),
            "x_consumer_secret": SecretStr(X_SECRET),
            **extra,
        }
    )


@pytest.fixture
def ingest_server(settings: Settings) -> Iterator[ServerThread]:
    with ServerThread(create_app(with_connectors(settings))) as server:
        yield server
