"""Web chat routes: the chat page and its JSON API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio
import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse
from redis.exceptions import RedisError
from sqlalchemy.exc import DataError, SQLAlchemyError

from bot.conversation.language import detect_language
from bot.conversation.turn import ConversationService, TurnRefusedError
from bot.db.repositories import webchat_inbox
from bot.texts import say
from bot.web.errors import ErrorResponse
from integrations.webchat import SENDER_ID, WebchatRequest, WebchatResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"
router = APIRouter()
log = structlog.get_logger(__name__)
_STATUS = {"unavailable": 503, "stale_button": 409}
_ERRORS: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "A button Tekkie did not offer (or no longer)"},
    422: {"model": ErrorResponse, "description": "Empty, too long or malformed message"},
    503: {"model": ErrorResponse, "description": "Tekkie cannot answer right now; try again"},
}


@router.get("/", include_in_schema=False)
async def chat_page() -> FileResponse:
    """The chat page a prospect opens."""
    return FileResponse(STATIC_DIR / "index.html")


@router.get(
    "/api/webchat/messages",
    response_model=WebchatResponse,
    responses={k: v for k, v in _ERRORS.items() if k != 409},
)
async def fetch_messages(
    request: Request,
    sender_id: Annotated[str, Query(min_length=1, max_length=64, pattern=SENDER_ID)],
) -> WebchatResponse:
    """Messages Tekkie sent outside a reply (confirmations, reminders); each is given once."""

    def take() -> list[dict[str, Any]]:
        with request.app.state.sessions.begin() as session:
            return webchat_inbox.take_undelivered(session, channel_user_id=sender_id)

    return WebchatResponse.model_validate({"messages": await anyio.to_thread.run_sync(take)})


@router.post("/api/webchat/messages", response_model=WebchatResponse, responses=_ERRORS)
async def post_message(body: WebchatRequest, request: Request) -> WebchatResponse | JSONResponse:
    """One message from the web chat; answers with Tekkie's replies."""
    service: ConversationService = request.app.state.conversations
    try:
        replies = await service.handle(body.to_inbound())
    except TurnRefusedError as refused:
        return JSONResponse({"detail": refused.reply}, status_code=_STATUS.get(refused.reason, 422))
    except (SQLAlchemyError, RedisError) as error:
        if isinstance(error, DataError):
            raise  # the input, not an outage (the app's handler answers 422)
        log.error("webchat.dependency_down", exc_info=error)  # the prospect is asked to retry
        language = detect_language(body.text or "", hint=body.locale)
        return JSONResponse({"detail": say("unavailable", language)}, status_code=503)
    return WebchatResponse.from_outbound(replies)
