"""The staff dashboard: every page under /dashboard, behind a log-in."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response

from bot.web.dashboard import (
    admin,
    auth,
    availability,
    campaigns,
    handoffs,
    intakes,
    lead,
    publishing,
    questions,
)
from bot.web.dashboard.auth import ForbiddenError, LoginRequiredError, login_redirect
from bot.web.dashboard.templating import render

router = APIRouter(include_in_schema=False)
for module in (auth, intakes, lead, admin, availability, handoffs, campaigns, questions,
               publishing):  # fmt: skip
    router.include_router(module.router, prefix="/dashboard")


def install(app: FastAPI) -> None:
    """Add the dashboard's routes and its error pages to the app."""
    app.include_router(router)

    @app.exception_handler(LoginRequiredError)
    async def login_required(request: Request, _: LoginRequiredError) -> Response:
        """No session: to the log-in page (nothing of the page is sent)."""
        return login_redirect(request)

    @app.exception_handler(ForbiddenError)
    async def forbidden(request: Request, _: ForbiddenError) -> Response:
        """Not allowed (not an admin, or a form without a valid CSRF token)."""
        return render(request, "error.html", staff=None, status_code=403,
                      title="forbidden_title", message="forbidden_text")  # fmt: skip

    @app.exception_handler(lead.LeadNotFoundError)
    async def lead_not_found(request: Request, _: lead.LeadNotFoundError) -> Response:
        """A lead that does not exist (any more)."""
        return render(request, "error.html", staff=None, status_code=404,
                      title="not_found_title", message="lead_not_found")  # fmt: skip

    @app.exception_handler(campaigns.CampaignNotFoundError)
    async def campaign_not_found(request: Request, _: campaigns.CampaignNotFoundError) -> Response:
        """A campaign that does not exist (or a QR code of a channel or format there is not)."""
        return render(request, "error.html", staff=None, status_code=404,
                      title="not_found_title", message="campaign_not_found")  # fmt: skip
