"""Security headers on every response, a policy the pages work with, no API docs in production."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.db.models import Campaign
from bot.settings import Settings
from bot.web import security
from bot.web.app import create_app
from tests.bot.web.dashboard.conftest import add_account, log_in
from tests.support.stack import free_port

PAGES = ["/", "/privacy", "/dashboard/login", "/health/live", "/api/webchat/messages?sender_id=x",
         "/static/chat.js", "/no-such-page"]  # fmt: skip


@pytest.fixture
def app_in(make_settings) -> Iterator[Callable[[str], TestClient]]:  # type: ignore[no-untyped-def]
    """A factory: the running app (no Rasa) in the given environment."""
    with ExitStack() as running:

        def start(environment: str) -> TestClient:
            settings: Settings = make_settings(
                environment=environment, rasa_port=free_port(), outbox_worker_interval=0
            )
            client = TestClient(create_app(settings), follow_redirects=False)
            return running.enter_context(client)

        yield start


@pytest.fixture
def client(app_in: Callable[[str], TestClient]) -> TestClient:
    """The app in development."""
    return app_in("development")


def policy(headers: httpx.Headers) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    parts = (part.split() for part in headers["content-security-policy"].split(";"))
    return {name: sources for name, *sources in parts}


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] in ("strict-origin-when-cross-origin", "same-origin")
    directives = policy(response.headers)
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]


def test_the_web_chat_may_load_its_script_and_call_its_api_but_nothing_else(
    client: TestClient,
) -> None:
    page = client.get("/")
    directives = policy(page.headers)
    assert page.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert directives["connect-src"] == ["'self'"]  # fetch("/api/webchat/messages")
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    # The page loads its script and style sheet from this site and has no inline script:
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert scripts
    assert all('src="/static/' in attributes for attributes in scripts)
    assert 'href="/static/chat.css"' in page.text
    assert client.get("/static/chat.js").status_code == 200


def test_the_dashboard_keeps_its_stricter_referrer_policy(client: TestClient) -> None:
    response = client.get("/dashboard/login")
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers.get_list("x-frame-options") == ["DENY"]  # set once, not twice


def test_the_inline_script_of_the_campaign_page_is_allowed_by_its_hash(
    client: TestClient,
) -> None:
    add_account(client, "sanne@school.nl")
    log_in(client, "sanne@school.nl")
    with client.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        campaign = Campaign(code="buurt-west", name="Buurthuis West", kind="local")
        session.add(campaign)
        session.flush()
        campaign_id = campaign.id
    page = client.get(f"/dashboard/campaigns/{campaign_id}")
    assert page.status_code == 200
    (script,) = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy(page.headers)["script-src"]
    assert "data:" in policy(page.headers)["img-src"]  # the QR codes are data: URIs


def test_every_inline_script_of_the_pages_has_a_hash() -> None:
    scripts = sum(
        len(security.INLINE_SCRIPT.findall(page.read_text(encoding="utf-8")))
        for directory in security.PAGE_DIRS
        for page in directory.glob("*.html")
    )
    assert scripts >= 1
    assert len(security.inline_script_hashes()) == scripts
    for directory in security.PAGE_DIRS:
        for page in directory.glob("*.html"):
            for script in security.INLINE_SCRIPT.findall(page.read_text(encoding="utf-8")):
                assert "{{" not in script, f"{page.name}: the rendered script would not match"
                assert "{%" not in script, f"{page.name}: the rendered script would not match"


@pytest.mark.parametrize("path", ["/api/docs", "/openapi.json"])
def test_the_api_docs_are_not_public_in_production(
    app_in: Callable[[str], TestClient], path: str
) -> None:
    assert app_in("production").get(path).status_code == 404
    assert app_in("development").get(path).status_code == 200


def test_the_api_docs_page_gets_a_policy_that_lets_swagger_ui_load(client: TestClient) -> None:
    response = client.get("/api/docs")
    directives = policy(response.headers)
    assert "https://cdn.jsdelivr.net" in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy(client.get("/").headers)["script-src"]
