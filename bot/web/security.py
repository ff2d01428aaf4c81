"""Security headers on every response: no sniffing, no framing, a Content-Security-Policy.

A pure ASGI middleware (it never buffers a body). A header a route set itself is left alone:
the dashboard keeps its stricter `Referrer-Policy: same-origin`.

The policy allows what Tekkie's own pages use and nothing more: scripts and style sheets
from this site, the inline scripts of the dashboard templates by their SHA-256 hash, inline
styles (the dashboard's <style> block and its style="..." attributes, some with values filled
in by the template), images from this site or data: URIs (the campaign QR codes), and fetch()
to this site only (the web chat's /api/webchat/messages).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

WEB_DIR = Path(__file__).resolve().parent
PAGE_DIRS = (WEB_DIR / "static", WEB_DIR / "templates" / "dashboard")
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def inline_script_hashes(directories: Iterable[Path] = PAGE_DIRS) -> list[str]:
    """CSP sources ('sha256-...') for the inline <script> blocks of Tekkie's pages.

    The hash covers the text between the tags exactly as the browser receives it, so a
    script must not contain template expressions (the tests check the rendered pages).
    """
    hashes = set()
    for directory in directories:
        for page in sorted(directory.glob("*.html")):
            for script in INLINE_SCRIPT.findall(page.read_text(encoding="utf-8")):
                digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
                hashes.add(f"'sha256-{digest}'")
    return sorted(hashes)


def content_security_policy() -> str:
    """The policy of Tekkie's pages (the web chat, the privacy notice and the dashboard)."""
    directives = {
        "default-src": "'self'",
        "script-src": " ".join(["'self'", *inline_script_hashes()]),
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


# FastAPI's Swagger UI (not in production) loads its script and styles from jsDelivr and
# starts with an inline script.
DOCS_PATHS = ("/api/docs", "/api/docs/oauth2-redirect")
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response that lacks them."""

    def __init__(self, app: ASGIApp, *, docs_paths: Iterable[str] = DOCS_PATHS) -> None:
        self.app = app
        self._docs_paths = frozenset(docs_paths)
        self._headers = {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "strict-origin-when-cross-origin",
            "Content-Security-Policy": content_security_policy(),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers when the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = dict(self._headers)
        if scope["path"] in self._docs_paths:
            extra["Content-Security-Policy"] = DOCS_POLICY

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
