"""Health endpoints for load balancers and the developers who run Tekkie."""

from __future__ import annotations

from typing import Any

import anyio
import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from redis.exceptions import RedisError

from bot.db.engine import ping
from bot.ops.supervisor import load_status

router = APIRouter()


@router.get("/health/live")
async def live() -> dict[str, str]:
    """The process is up (no dependencies checked)."""
    return {"status": "ok"}


@router.get("/health")
async def health(request: Request) -> JSONResponse:
    """Each dependency's state (database, Redis, Rasa, action server); 503 when one is down.

    Redis is checked only when configured. Under `tekkie run` the supervisor's restarts of
    crashed processes are listed too ("processes").
    """
    state = request.app.state
    settings = state.settings
    checks: dict[str, str] = {
        "database": _up(await anyio.to_thread.run_sync(ping, state.engine)),
    }
    if state.redis is not None:
        checks["redis"] = _up(await _redis_up(state.redis))
    checks["rasa"] = _up(await state.rasa.is_ready())
    checks["actions"] = _up(await _actions_up(settings.action_server_url))
    healthy = all(value == "up" for value in checks.values())
    body: dict[str, Any] = {"status": "ok" if healthy else "degraded", **checks}
    if (processes := await anyio.to_thread.run_sync(load_status, settings.runtime_dir)) is not None:
        body["processes"] = processes
    return JSONResponse(body, status_code=200 if healthy else 503)


def _up(flag: bool) -> str:
    return "up" if flag else "down"


async def _redis_up(redis: Any) -> bool:
    try:
        return bool(await redis.ping())
    except RedisError:
        return False


async def _actions_up(action_server_url: str) -> bool:
    url = action_server_url.removesuffix("/webhook") + "/health"
    try:
        async with httpx.AsyncClient(timeout=3.0) as client:
            return (await client.get(url)).status_code == 200
    except httpx.HTTPError:
        return False
