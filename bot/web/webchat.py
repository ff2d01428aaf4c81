"""Web chat routes: the chat page and its JSON API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse

from bot.conversation import ConversationService, TurnRefusedError
from bot.db.repositories import webchat_inbox
from integrations.webchat import SENDER_ID, WebchatRequest, WebchatResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"
router = APIRouter()
_STATUS = {"unavailable": 503, "stale_button": 409}


@router.get("/", include_in_schema=False)
async def chat_page() -> FileResponse:
    """The chat page a prospect opens."""
    return FileResponse(STATIC_DIR / "index.html")


@router.get("/api/webchat/messages", response_model=WebchatResponse)
async def fetch_messages(
    request: Request,
    sender_id: Annotated[str, Query(min_length=1, max_length=64, pattern=SENDER_ID)],
) -> WebchatResponse:
    """Messages Tekkie sent outside a reply (confirmations, reminders); each is given once."""

    def take() -> list[dict[str, Any]]:
        with request.app.state.sessions.begin() as session:
            return webchat_inbox.take_undelivered(session, channel_user_id=sender_id)

    return WebchatResponse.model_validate({"messages": await anyio.to_thread.run_sync(take)})


@router.post("/api/webchat/messages", response_model=WebchatResponse)
async def post_message(body: WebchatRequest, request: Request) -> WebchatResponse | JSONResponse:
    """One message from the web chat; answers with Tekkie's replies."""
    service: ConversationService = request.app.state.conversations
    try:
        replies = await service.handle(body.to_inbound())
    except TurnRefusedError as refused:
        return JSONResponse({"detail": refused.reply}, status_code=_STATUS.get(refused.reason, 422))
    return WebchatResponse.from_outbound(replies)
