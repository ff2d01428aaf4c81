"""`GET /metrics` for Prometheus: only from this machine, or with METRICS_TOKEN as bearer token.

The numbers say how busy the school is (bookings, backlogs): not for the public internet.
"""

from __future__ import annotations

import hmac
import ipaddress

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import Metrics

router = APIRouter(include_in_schema=False)


def _allowed(request: Request) -> bool:
    token = request.app.state.settings.metrics_token
    if token is not None:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(sent, token.get_secret_value())
    if "x-forwarded-for" in request.headers:  # came through a proxy: from anywhere
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "testclient"  # Starlette's test client


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """The Prometheus text format; 404 for anyone not allowed (nothing to see here)."""
    if not _allowed(request):
        return PlainTextResponse("Not Found", status_code=404)
    collected: Metrics = request.app.state.metrics
    body = await anyio.to_thread.run_sync(collected.render)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
