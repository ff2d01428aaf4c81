"""Friendly answers for requests the app cannot handle: bad input, or a dependency down.

Every error body is `{"detail": "<one readable sentence>"}` (both languages where the
prospect's language is unknown). A database or Redis outage answers 503, never a bare 500.
"""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from redis.exceptions import RedisError
from sqlalchemy.exc import DataError, SQLAlchemyError
from starlette.exceptions import HTTPException

log = structlog.get_logger(__name__)
UNPROCESSABLE = "Dit bericht kon niet worden verwerkt. / This message could not be processed."
UNAVAILABLE = (
    "Tekkie is even niet bereikbaar. Probeer het zo nog eens. / "
    "Tekkie is not available right now. Please try again in a moment."
)


class ErrorResponse(BaseModel):
    """The body of every error answer."""

    detail: str


def install(app: FastAPI) -> None:
    """Register the handlers on the app."""
    app.add_exception_handler(RequestValidationError, _invalid_request)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(SQLAlchemyError, _dependency_down)
    app.add_exception_handler(RedisError, _dependency_down)


async def _invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
    """Bad requests get one readable sentence (both languages) plus the details."""
    return JSONResponse(
        {
            "detail": UNPROCESSABLE,
            "errors": [
                {"field": ".".join(map(str, e["loc"][1:])), "problem": e["msg"]}
                for e in error.errors()
            ],
        },
        status_code=422,
    )


async def _http_error(request: Request, error: HTTPException) -> Response:
    """FastAPI's own errors; a body it could not parse (e.g. invalid UTF-8) gets our sentence."""
    if error.status_code == 400 and "parsing the body" in str(error.detail):
        return JSONResponse({"detail": UNPROCESSABLE}, status_code=400)
    return await http_exception_handler(request, error)


async def _dependency_down(request: Request, error: Exception) -> JSONResponse:
    """The database or Redis failed: 503 with a sentence, logged once with its traceback."""
    if isinstance(error, DataError):  # the input, not the database: say so
        log.warning("request.data_error", path=request.url.path, error=str(error)[:300])
        return JSONResponse({"detail": UNPROCESSABLE}, status_code=422)
    log.error("request.dependency_down", path=request.url.path, exc_info=error)
    return JSONResponse({"detail": UNAVAILABLE}, status_code=503)
