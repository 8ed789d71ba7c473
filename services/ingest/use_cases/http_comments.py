"""HTTP surface of ingest: `POST /v1/comments` and the JSON shape of every refusal."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

from services.ingest.domain.auth import bearer_token
from services.ingest.domain.intake import NotReplicated
from services.ingest.domain.payload import (
    BatchTooLarge,
    FieldError,
    InvalidComments,
    MalformedBody,
    parse_body,
    platform_label,
)
from services.ingest.metrics import COMMENTS, REJECTIONS
from services.ingest.use_cases.ingest_comments import IngestComments, UnknownAccounts
from shared.clock import utcnow
from shared.http_auth import key_matches

log = logging.getLogger(__name__)

COMMENTS_PATH = "/v1/comments"

_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "One comment object or a list of them; see services.ingest.domain.payload.",
        "content": {"application/json": {"schema": {"type": ["object", "array"]}}},
    }
}


class ApiError(Exception):
    """A refusal with its HTTP status, JSON body and bounded metrics reason."""

    def __init__(
        self, status: int, reason: str, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {reason}: {body.get('error')}")
        self.status = status
        self.reason = reason
        self.body = body
        self.headers = headers


def _details(errors: Sequence[FieldError]) -> list[dict[str, Any]]:
    return [e.as_dict() for e in errors]


def _count_rejected(raw: bytes) -> None:
    """Counts the comments of a refused request per platform, when the body can be read."""
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return
    items = body if isinstance(body, list) else [body]
    for item in items:
        COMMENTS.labels(platform_label(item), "rejected").inc()


def refusal(exc: Exception) -> ApiError:
    """Maps a failure of the use case to the answer the sender can act on."""
    if isinstance(exc, MalformedBody):
        return ApiError(400, "validation", {"error": exc.summary, "details": _details(exc.details)})
    if isinstance(exc, UnknownAccounts):
        return ApiError(
            422, "unknown_account", {"error": exc.summary, "details": _details(exc.details)}
        )
    if isinstance(exc, InvalidComments):
        return ApiError(422, "validation", {"error": exc.summary, "details": _details(exc.details)})
    if isinstance(exc, BatchTooLarge):
        return ApiError(413, "too_large", {"error": "too many comments", "detail": str(exc)})
    if isinstance(exc, NotReplicated):
        body = {"error": "not replicated yet", "detail": f"{exc}; retry later"}
        return ApiError(503, "unavailable", body, {"Retry-After": "1"})
    if isinstance(exc, RedisError):
        body = {"error": "storage unavailable", "detail": "Redis did not answer; retry later"}
        return ApiError(503, "unavailable", body, {"Retry-After": "5"})
    raise exc


def install_error_handlers(app: FastAPI) -> None:
    """Every refusal is JSON in one shape; FastAPI's default validation body is replaced too."""

    async def on_api_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)  # noqa: S101 - registered for ApiError only
        REJECTIONS.labels(exc.reason).inc()
        return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)

    async def on_request_validation(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)  # noqa: S101
        details = [
            FieldError(
                next((p for p in err["loc"][1:2] if isinstance(p, int)), None),
                ".".join(str(p) for p in err["loc"] if not isinstance(p, int)),
                str(err["msg"]),
            ).as_dict()
            for err in exc.errors()
        ]
        REJECTIONS.labels("validation").inc()
        return JSONResponse({"error": "invalid comment", "details": details}, status_code=422)

    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)


def _auth_dependency(api_keys: Sequence[str]) -> Any:
    keys = tuple(api_keys)

    async def require_key(authorization: Annotated[str | None, Header()] = None) -> None:
        """401 without saying whether the key was missing, malformed or wrong."""
        token = bearer_token(authorization)
        if token is None or not key_matches(token, keys):
            body = {"error": "unauthorized", "detail": "send Authorization: Bearer <ingest key>"}
            raise ApiError(401, "auth", body, {"WWW-Authenticate": "Bearer"})

    return require_key


def install_routes(
    app: FastAPI, *, handler: IngestComments, api_keys: Sequence[str], max_batch: int
) -> None:
    """Registers `POST /v1/comments`; the request is answered 202 only once Redis has it."""
    install_error_handlers(app)

    @app.post(
        COMMENTS_PATH,
        status_code=202,
        dependencies=[Depends(_auth_dependency(api_keys))],
        openapi_extra=_BODY_DOC,
        tags=["ingest"],
    )
    async def post_comments(request: Request) -> JSONResponse:
        raw = await request.body()
        try:
            comments = parse_body(raw, max_batch=max_batch)
            report = await handler(comments, now=utcnow())
        except (InvalidComments, BatchTooLarge) as exc:
            _count_rejected(raw)
            raise refusal(exc) from exc
        except RedisError as exc:
            _count_rejected(raw)
            log.error("ingest of %d bytes refused, Redis failed: %s", len(raw), exc, exc_info=True)
            raise refusal(exc) from exc
        body = report.as_dict()
        log.info(
            "ingested %d comments: %d accepted, %d duplicates, %d ignored",
            len(report.results),
            body["accepted"],
            body["duplicates"],
            body["ignored"],
        )
        return JSONResponse(body, status_code=202)
