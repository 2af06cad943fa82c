"""Provide the review page's guards: the access token, CSRF protection, the Host check.

* **Token.** Bound beyond loopback, ``bot serve`` refuses to start without ``BOT_SERVE_TOKEN``;
  with one set, every request needs it (``Authorization: Bearer``, or ``?token=`` once, which
  sets an HttpOnly, SameSite=Strict cookie and redirects to the same page without it).
* **CSRF.** Every POST carries the per-browser token from the page (a form field or the
  ``X-CSRF-Token`` header) matching its cookie, and an ``Origin``, when sent, of this server.
* **Host.** On loopback the ``Host`` header must be a loopback name, so a page elsewhere that
  rebinds its DNS name to 127.0.0.1 cannot read the drafts.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlencode

from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

CSRF_COOKIE = "bot_csrf"
TOKEN_COOKIE = "bot_token"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


def same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())


def csrf_token(request: Request) -> str:
    """The browser's CSRF token (made on its first page view)."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = request.state.__dict__.setdefault("new_csrf", secrets.token_urlsafe(32))
    return token


def set_csrf_cookie(request: Request, response: Response) -> Response:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", path="/")
    return response


class Guard:
    """ASGI middleware: the Host check and the token, before any route runs."""

    def __init__(self, app, *, token: str | None, loopback: bool) -> None:
        self.app, self.token, self.loopback = app, token, loopback

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response = self.check(request)
        if response is not None:
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def check(self, request: Request) -> Response | None:
        raw = request.headers.get("host") or ""
        host = raw[: raw.find("]") + 1] if raw.startswith("[") else raw.rsplit(":", 1)[0]
        if self.loopback and not is_loopback(host):
            return PlainTextResponse("this review page answers on its loopback address only", 421)
        if not self.token:
            return None
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if same(bearer, self.token) or same(request.cookies.get(TOKEN_COOKIE), self.token):
            return None
        if same(request.query_params.get("token"), self.token) and request.method == "GET":
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = URL(path=request.url.path, query=urlencode(rest)) if rest else URL(path=request.url.path)
            response = RedirectResponse(str(target), status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict", path="/")
            return response
        return PlainTextResponse("this review page needs its token: open the address bot serve "
                                 "printed, with ?token=<BOT_SERVE_TOKEN>", 401)


def check_csrf(request: Request, submitted: str | None) -> str | None:
    """None if the POST is this page's own; else why it is refused."""
    origin = request.headers.get("origin")
    if origin and origin != f"{request.url.scheme}://{request.headers.get('host')}":
        return "refused: the request comes from another site"
    if not same(submitted, request.cookies.get(CSRF_COOKIE)):
        return "refused: the form's CSRF token is missing or stale (reload the page)"
    return None


def headers(response: Response) -> Response:
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' https: http: data:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'; form-action 'self'")
    return response
