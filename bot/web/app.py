"""The Tekkie web app (ASGI): web chat, its API, health checks and the privacy notice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from bot.conversation import ConversationService
from bot.db import migrate
from bot.db.engine import make_engine, make_session_factory
from bot.logging import configure_logging
from bot.settings import Settings, get_settings
from bot.web import health, webchat
from integrations.rasa_client import RasaClient

log = structlog.get_logger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database and the Rasa client live as long as it runs."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        if settings.should_auto_migrate:
            await anyio.to_thread.run_sync(migrate.upgrade, settings.database_url)
        rasa = RasaClient(
            settings.rasa_url,
            settings.rasa_token.get_secret_value(),
            timeout=settings.rasa_timeout_seconds,
        )
        app.state.settings = settings
        app.state.engine = engine
        app.state.rasa = rasa
        app.state.conversations = ConversationService(
            sessions=make_session_factory(engine), rasa=rasa
        )
        log.info("app.started", base_url=settings.base_url)
        yield
        await rasa.aclose()
        engine.dispose()

    app = FastAPI(title="Tekkie", lifespan=lifespan, docs_url="/api/docs", redoc_url=None)
    app.include_router(webchat.router)
    app.include_router(health.router)
    app.mount("/static", StaticFiles(directory=webchat.STATIC_DIR), name="static")

    @app.get("/privacy", include_in_schema=False)
    async def privacy() -> FileResponse:
        """The short privacy notice the greeting links to."""
        return FileResponse(webchat.STATIC_DIR / "privacy.html")

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        """Bad requests get one readable sentence (both languages) plus the details."""
        return JSONResponse(
            {
                "detail": "Dit bericht kon niet worden verwerkt. / "
                "This message could not be processed.",
                "errors": [
                    {"field": ".".join(map(str, e["loc"][1:])), "problem": e["msg"]}
                    for e in error.errors()
                ],
            },
            status_code=422,
        )

    return app


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory`: settings and logging from the environment."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
