"""Health endpoints for load balancers and the developers who run Tekkie."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.db.engine import ping

router = APIRouter()


@router.get("/health/live")
async def live() -> dict[str, str]:
    """The process is up (no dependencies checked)."""
    return {"status": "ok"}


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    """Whether the database and Rasa are up; 503 when either is not."""
    state = request.app.state
    database_up = await anyio.to_thread.run_sync(ping, state.engine)
    rasa_up = await state.rasa.is_ready()
    checks = {"database": "up" if database_up else "down", "rasa": "up" if rasa_up else "down"}
    healthy = database_up and rasa_up
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", **checks}, status_code=200 if healthy else 503
    )
