"""The Tekkie web app (ASGI): web chat, its API, health checks and the privacy notice."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import anyio
import structlog
from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session, sessionmaker
from starlette.middleware import Middleware
from telegram import Bot, Update

from bot.conversation import other_languages
from bot.conversation.inbound import InboundPipeline
from bot.conversation.locks import ConversationLocks
from bot.conversation.redis_guard import RedisGuard
from bot.conversation.routing import RasaRouter
from bot.conversation.spool import InboundSpool
from bot.conversation.turn import ConversationService
from bot.db import migrate
from bot.db.engine import make_engine, make_session_factory
from bot.guidance.assessment import assessment
from bot.guidance.content import content
from bot.intake.demo import seed_demo
from bot.learning.publish import Publisher
from bot.learning.questions import record_other_language
from bot.logging import configure_logging
from bot.metrics import Metrics
from bot.outbox import Notices, OutboxWorker
from bot.settings import SCHOOL_TZ, Settings, get_settings
from bot.texts import messages
from bot.web import calendar, channels, dashboard, errors, health, metrics, webchat
from bot.web.channels import OncePerOutage, receive_telegram
from bot.web.dashboard.i18n import texts as dashboard_texts
from bot.web.security import SecurityHeadersMiddleware
from integrations import telegram
from integrations.outbox_senders import build_senders
from integrations.rasa_client import RasaClient
from integrations.redis_client import make_redis

log = structlog.get_logger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database and the Rasa client live as long as it runs."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        if settings.should_auto_migrate:
            await anyio.to_thread.run_sync(migrate.upgrade, settings.database_url)
        servers = rasa_servers(settings)
        rasa = RasaRouter(servers)
        redis_client = make_redis(settings.redis_url) if settings.redis_url else None
        locks = ConversationLocks(RedisGuard(redis_client), prefix=settings.redis_key_prefix)
        sessions = make_session_factory(engine)
        check_content()
        if settings.should_seed_demo_slots:
            await anyio.to_thread.run_sync(seed_demo_slots, sessions)
        app.state.settings, app.state.notices = settings, Notices.from_settings(settings)
        app.state.engine, app.state.sessions, app.state.rasa = engine, sessions, rasa
        publisher = Publisher(sessions=sessions, settings=settings, servers=servers)
        app.state.metrics, app.state.conversations = conversations(sessions, rasa, publisher, locks)
        bot = await telegram.start_bot(settings)
        app.state.telegram_bot = bot
        worker = OutboxWorker(sessions, build_senders(settings, sessions, telegram_bot=bot))
        # Just-enqueued messages go out at once: a turn's replies, the dashboard's staff replies.
        app.state.deliver = deliver = worker.deliver_now
        app.state.redis = redis_client
        app.state.pipeline = pipeline = InboundPipeline(
            sessions=sessions, conversations=app.state.conversations, deliver=deliver,
            redis=redis_client, key_prefix=settings.redis_key_prefix,
            spool=InboundSpool(settings.runtime_dir / "inbound-spool"),
            retry_base=timedelta(seconds=settings.channel_retry_base_seconds),
            retry_cap=timedelta(seconds=settings.channel_retry_cap_seconds), locks=locks,
        )  # fmt: skip
        app.state.apologies = OncePerOutage()
        async with anyio.create_task_group() as tasks:
            if settings.outbox_worker_interval > 0:
                tasks.start_soon(repeat, worker.run_once, settings.outbox_worker_interval,
                                 "outbox.worker_error")  # fmt: skip
            if settings.publish_worker_interval > 0:
                tasks.start_soon(repeat, publisher.run_once, settings.publish_worker_interval,
                                 "publish.worker_error")  # fmt: skip
            tasks.start_soon(repeat, pipeline.retry_due, settings.channel_retry_interval,
                             "inbound.retry_error")  # fmt: skip
            if bot is not None and settings.telegram_mode == "polling":
                tasks.start_soon(receive_polled_telegram, bot, pipeline)
            log.info("app.started", base_url=settings.base_url)
            yield
            tasks.cancel_scope.cancel()
        if bot is not None:
            await bot.shutdown()
        if redis_client is not None:
            await redis_client.aclose()
        await rasa.aclose()
        engine.dispose()

    app = FastAPI(
        title="Tekkie", lifespan=lifespan, redoc_url=None,  # no public API docs in production:
        docs_url=None if settings.environment == "production" else "/api/docs",
        openapi_url=None if settings.environment == "production" else "/openapi.json",
        middleware=[Middleware(SecurityHeadersMiddleware)],
    )  # fmt: skip
    for router in (webchat.router, health.router, metrics.router, calendar.router, channels.router):
        app.include_router(router)
    dashboard.install(app)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=webchat.STATIC_DIR), name="static")

    @app.get("/privacy", include_in_schema=False)
    async def privacy() -> FileResponse:
        """The short privacy notice the greeting links to."""
        return FileResponse(webchat.STATIC_DIR / "privacy.html")

    return app


def conversations(
    sessions: sessionmaker[Session], rasa: RasaRouter, publisher: Publisher,
    locks: ConversationLocks,
) -> tuple[Metrics, ConversationService]:  # fmt: skip
    """The turns of every channel, counted for /metrics, questions kept for the learning loop."""
    counted = Metrics(sessions, lambda: publisher.last_model_file, locks.waiting)
    service = ConversationService(
        sessions=sessions, rasa=rasa, record_question=record_other_language,
        observe=counted.observe_turn, locks=locks,
    )  # fmt: skip
    return counted, service


def rasa_servers(settings: Settings) -> list[RasaClient]:
    """A client for every Rasa server (RASA_SERVERS or RASA_URLS); the router picks one."""
    token = settings.rasa_token.get_secret_value()
    return [
        RasaClient(url, token, timeout=settings.rasa_timeout_seconds)
        for url in settings.rasa_server_urls
    ]


def check_content() -> None:
    """Load every content file now: an error stops the start-up, not a conversation."""
    messages()
    content()
    assessment()
    dashboard_texts()
    other_languages.warm_up()


async def repeat(step: Callable[[], Awaitable[object]], interval: float, error: str) -> None:
    """Run a worker's step every `interval` seconds until the app stops.

    The outbox, the publish worker and channel messages that waited for Rasa. A failing
    step (a database hiccup) is logged as `error` and tried again at the next round.
    """
    while True:
        try:
            await step()
        except Exception:
            log.exception(error)
        await anyio.sleep(interval)


async def receive_polled_telegram(bot: Bot, pipeline: InboundPipeline) -> None:
    """Development mode: updates fetched by long polling go in as the webhook's would."""
    async with anyio.create_task_group() as tasks:

        async def handle(update: Update) -> None:
            await receive_telegram(pipeline, bot, update, tasks.start_soon)

        await telegram.poll_updates(bot, handle)


def seed_demo_slots(sessions: sessionmaker[Session]) -> None:
    """A week of demo intake slots, so a new user can book right away."""
    with sessions.begin() as session:
        created = seed_demo(session, today=datetime.now(SCHOOL_TZ).date())
    if created:
        log.info("demo.slots_seeded", slots=created)


def create_app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory`: settings and logging from the environment."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format, secrets=settings.secret_values)
    return create_app(settings)
