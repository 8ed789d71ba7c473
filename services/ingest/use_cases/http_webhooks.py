"""Thin webhook routes: check the platform's signature, parse, then the one ingest use case.

A delivery is answered 200 only after its comments are in Redis (or known duplicates); when Redis
fails it gets 503 so the platform retries. Refusals are JSON and counted per platform and reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from redis.exceptions import RedisError

from services.ingest.connectors import facebook, instagram, x
from services.ingest.connectors.common import Parsed
from services.ingest.connectors.meta import hub_challenge, meta_signature_valid
from services.ingest.domain.payload import InvalidComments
from services.ingest.metrics import SKIPPED, WEBHOOK_REJECTIONS
from services.ingest.use_cases.http_comments import ApiError, refusal
from services.ingest.use_cases.ingest_comments import IngestComments
from shared.clock import utcnow

log = logging.getLogger(__name__)

WEBHOOKS_PREFIX = "/webhooks"

Verifier = Callable[[str, bytes, str | None], bool]


@dataclass(frozen=True)
class WebhookSecrets:
    """Plain secrets from settings; an empty one leaves its connector switched off."""

    facebook_app_secret: str = ""
    instagram_app_secret: str = ""
    verify_token: str = ""
    x_consumer_secret: str = ""


@dataclass(frozen=True)
class Connector:
    platform: str
    secret: str
    setting: str
    signature_header: str
    verify: Verifier
    parse: Callable[[bytes], Parsed]


def _rejected(platform: str, status: int, reason: str, error: str, detail: str) -> ApiError:
    WEBHOOK_REJECTIONS.labels(platform, reason).inc()
    return ApiError(status, reason, {"error": error, "detail": detail})


def _check_signature(connector: Connector, raw: bytes, request: Request) -> None:
    """401 without a signature, 403 with a wrong one; neither says what was expected."""
    if not connector.secret:
        detail = f"set {connector.setting} to receive {connector.platform} webhooks"
        raise _rejected(connector.platform, 404, "not_configured", "connector not enabled", detail)
    header = request.headers.get(connector.signature_header)
    if not header:
        detail = f"the {connector.signature_header} header is missing"
        raise _rejected(connector.platform, 401, "bad_signature", "signature missing", detail)
    if not connector.verify(connector.secret, raw, header):
        detail = f"{connector.signature_header} does not match the body"
        raise _rejected(connector.platform, 403, "bad_signature", "invalid signature", detail)


async def _deliver(connector: Connector, handler: IngestComments, request: Request) -> JSONResponse:
    raw = await request.body()
    _check_signature(connector, raw, request)
    platform = connector.platform
    try:
        parsed = connector.parse(raw)
        report = await handler(parsed.comments, now=utcnow())
    except (InvalidComments, RedisError) as exc:
        error = refusal(exc)
        WEBHOOK_REJECTIONS.labels(platform, error.reason).inc()
        log.warning("%s webhook of %d bytes refused: %s", platform, len(raw), exc)
        raise error from exc
    for reason in parsed.skipped:
        SKIPPED.labels(platform, reason).inc()
    body: dict[str, Any] = {**report.as_dict(), "skipped": len(parsed.skipped)}
    log.info(
        "%s webhook: %d accepted, %d duplicates, %d ignored, %d skipped",
        platform,
        body["accepted"],
        body["duplicates"],
        body["ignored"],
        body["skipped"],
    )
    return JSONResponse(body, status_code=200)


def _meta_handshake(platform: str, verify_token: str, request: Request) -> PlainTextResponse:
    """Echo `hub.challenge` when the subscription handshake carries our verify token."""
    challenge = hub_challenge(request.query_params, verify_token)
    if challenge is None:
        detail = "hub.mode must be subscribe and hub.verify_token must match FACEBOOK_VERIFY_TOKEN"
        raise _rejected(platform, 403, "handshake", "verification failed", detail)
    return PlainTextResponse(challenge)


def install_webhooks(app: FastAPI, *, handler: IngestComments, secrets: WebhookSecrets) -> None:
    """Registers the Facebook, Instagram and X webhook endpoints (handshake and delivery)."""
    meta_secret = secrets.facebook_app_secret
    connectors = {
        "facebook": Connector(
            "facebook",
            meta_secret,
            "FACEBOOK_APP_SECRET",
            "x-hub-signature-256",
            meta_signature_valid,
            facebook.parse_feed,
        ),
        "instagram": Connector(
            "instagram",
            secrets.instagram_app_secret or meta_secret,
            "FACEBOOK_APP_SECRET (or INSTAGRAM_APP_SECRET)",
            "x-hub-signature-256",
            meta_signature_valid,
            instagram.parse_comments,
        ),
        "x": Connector(
            "x",
            secrets.x_consumer_secret,
            "X_CONSUMER_SECRET",
            "x-twitter-webhooks-signature",
            x.x_signature_valid,
            x.parse_activity,
        ),
    }

    for platform in ("facebook", "instagram"):
        _install_meta(app, connectors[platform], handler, secrets.verify_token)

    @app.get(f"{WEBHOOKS_PREFIX}/x", tags=["webhooks"])
    async def x_crc(request: Request) -> JSONResponse:
        token = request.query_params.get("crc_token")
        if not secrets.x_consumer_secret:
            detail = "set X_CONSUMER_SECRET to answer X's CRC checks"
            raise _rejected("x", 404, "not_configured", "connector not enabled", detail)
        if not token:
            raise _rejected("x", 400, "handshake", "crc_token missing", "send ?crc_token=...")
        return JSONResponse(x.crc_response(secrets.x_consumer_secret, token))

    @app.post(f"{WEBHOOKS_PREFIX}/x", tags=["webhooks"])
    async def x_events(request: Request) -> JSONResponse:
        return await _deliver(connectors["x"], handler, request)


def _install_meta(
    app: FastAPI, connector: Connector, handler: IngestComments, verify_token: str
) -> None:
    path = f"{WEBHOOKS_PREFIX}/{connector.platform}"

    async def handshake(request: Request) -> PlainTextResponse:
        return _meta_handshake(connector.platform, verify_token, request)

    async def deliver(request: Request) -> JSONResponse:
        return await _deliver(connector, handler, request)

    app.add_api_route(path, handshake, methods=["GET"], tags=["webhooks"])
    app.add_api_route(path, deliver, methods=["POST"], tags=["webhooks"])
