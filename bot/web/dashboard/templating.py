"""Server-rendered dashboard pages: Jinja2 with autoescaping and the nl/en texts."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from bot.intake.notices import format_slot
from bot.settings import SCHOOL_TZ
from bot.web.dashboard.i18n import translate

if TYPE_CHECKING:
    from bot.web.dashboard.users import StaffUser

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates" / "dashboard"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def local_time(value: datetime | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """A stored UTC time as Amsterdam local time."""
    return value.astimezone(SCHOOL_TZ).strftime(fmt) if value else "—"


templates.env.filters["local"] = local_time


def flash(
    request: Request, language: str, known: Collection[str], *, prefix: str = "done_",
    **values: object,
) -> str | None:  # fmt: skip
    """The message after a form (`?done=<outcome>`), only for outcomes this page knows."""
    done = request.query_params.get("done")
    return translate(f"{prefix}{done}", language, **values) if done in known else None


def render(
    request: Request,
    name: str,
    *,
    staff: StaffUser | None,
    language: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a page in the staff member's language; `t` and `slot` are available inside."""
    lang = language or (staff.language if staff else "nl")

    def t(key: str, **values: object) -> str:
        return translate(key, lang, **values)

    def slot(starts_at: datetime) -> str:
        return format_slot(starts_at, lang)

    response = templates.TemplateResponse(
        request, name, {"staff": staff, "lang": lang, "t": t, "slot": slot, **context},
        status_code=status_code,
    )  # fmt: skip
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response
