"""Provide :func:`create_app`: the review page of ``bot serve`` (Starlette + Jinja2).

The pending issues; each issue's threads as cards that look like the posts, each text
editable with a live counter (the page asks ``/api/measure``, which measures with the
composer's own rules); save (the same validation and store as ``bot draft --apply``), approve
and hold. Nothing here measures or stores on its own: it calls :mod:`bot.drafts.store`,
:mod:`bot.approval` and :mod:`bot.compose.measure`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.errors import BotError
from bot.review import security
from bot.review.cards import accounts, card_threads, environment

STATIC = Path(__file__).parent / "static"
MAX_TEXT = 20_000


def issue_path(key: str) -> str:
    return "/issue/" + quote(key, safe="")


class Review:
    """The page's handlers, over one settings object; a database connection per request."""

    def __init__(self, settings: Any) -> None:
        self.settings = settings

    def db(self):
        from bot.db import open_db

        return open_db(self.settings.db_path)

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        html = environment().get_template(template).render(
            csrf=security.csrf_token(request), require_approval=self.settings.require_approval,
            **context)
        response = HTMLResponse(html, status_code=status)
        return security.headers(security.set_csrf_cookie(request, response))

    async def index(self, request: Request) -> Response:
        from bot.approval import issue_states, next_step

        db = self.db()
        try:
            rows = issue_states(db, limit=50)
        finally:
            db.close()
        for row in rows:
            row["next"] = next_step(row, require_approval=self.settings.require_approval)
            row["path"] = issue_path(row["issue_key"])
        pending = [r for r in rows if r["state"] not in ("posted", "backlog")]
        posted = [r for r in rows if r["state"] == "posted"][:5]
        return self.render(request, "index.html", pending=pending, posted=posted)

    async def issue(self, request: Request) -> Response:
        return self.issue_page(request, request.path_params["key"])

    def issue_page(self, request: Request, key: str, *, error: str | None = None,
                   edited: dict[str, list] | None = None, status: int = 200) -> Response:
        from bot.approval import issue_state, next_step
        from bot.drafts import store
        from bot.newsletter.store import load_issue

        db = self.db()
        try:
            issue = load_issue(db, key)
            if issue is None:
                return self.render(request, "index.html", status=404, pending=[], posted=[],
                                   error=f"no issue {key!r} in {self.settings.db_path}")
            state = issue_state(db, key) or {"state": "new", "status": None}
            state["next"] = next_step(state, require_approval=self.settings.require_approval)
            started = store.started(db, key)
            threads, planned_error, drafted = {}, None, False
            try:
                if edited is not None:
                    threads = lenient_threads(issue, edited, self.settings)
                else:
                    planned = store.plan(db, issue, self.settings)
                    threads, drafted = planned.threads, planned.drafted
            except BotError as exc:
                planned_error = str(exc)
        finally:
            db.close()
        flash = {"saved": "Stored: bot preview, bot post and bot run use this draft now.",
                 "withdrawn": "Stored; the approval is withdrawn because the text changed.",
                 "approved": "Approved: bot run posts it at its next check.",
                 "held": "Held: bot run does not post it until it is released or approved.",
                 "unchanged": "No change."}.get(request.query_params.get("done", ""))
        warnings = store.numbering_warnings(store.posts_of(threads)) if threads else []
        return self.render(
            request, "issue.html", status=status, issue=issue, key=key, state=state, warnings=warnings,
            unsaved=edited is not None,
            threads=card_threads(issue, threads, accounts=accounts(self.settings, issue)),
            error=error or planned_error, flash=flash if not error else None, drafted=drafted,
            fixed=sorted(started), readonly=bool(threads) and set(threads) <= set(started))

    async def save(self, request: Request) -> Response:
        from bot.drafts import DraftError, store
        from bot.newsletter.store import load_issue

        form = await request.form()
        key = str(form.get("key", ""))
        refused = security.check_csrf(request, _field(form, "csrf"))
        if refused:
            return security.headers(HTMLResponse(refused, status_code=403))
        posts = posts_from_form(form)
        db = self.db()
        try:
            issue = load_issue(db, key)
            if issue is None:
                return security.headers(HTMLResponse(f"no issue {key!r}", status_code=404))
            saved = store.save(db, issue, posts, self.settings)
        except DraftError as exc:
            return self.issue_page(request, key, error=str(exc), edited=posts, status=422)
        finally:
            db.close()
        done = "withdrawn" if saved.approval_withdrawn else "saved" if saved.changed else "unchanged"
        return RedirectResponse(f"{issue_path(key)}?done={done}", status_code=303)

    async def act(self, request: Request) -> Response:
        from bot.approval import approve
        from bot.holds import hold

        form = await request.form()
        key, action = str(form.get("key", "")), request.path_params["action"]
        if action not in ("approve", "hold"):
            return security.headers(HTMLResponse("no such action", status_code=404))
        refused = security.check_csrf(request, _field(form, "csrf"))
        if refused:
            return security.headers(HTMLResponse(refused, status_code=403))
        db = self.db()
        try:
            if action == "approve":
                approve(db, key, via="page")
            else:
                hold(db, key)
        except BotError as exc:
            return self.issue_page(request, key, error=str(exc), status=409)
        finally:
            db.close()
        return RedirectResponse(f"{issue_path(key)}?done={'approved' if action == 'approve' else 'held'}",
                                status_code=303)

    async def measure(self, request: Request) -> Response:
        """The live counter: a text's length by the platform's rules, and how it shows."""
        from bot.compose.measure import make_post, measure, normalise, rules_for
        from bot.review.cards import link_spans, text_html

        refused = security.check_csrf(request, request.headers.get("x-csrf-token"))
        if refused:
            return JSONResponse({"error": refused}, status_code=403)
        body = await request.json()
        platform, text = str(body.get("platform", "")), str(body.get("text", ""))
        if len(text) > MAX_TEXT:  # no post is near this; spare twitter-text a huge parse
            return JSONResponse({"error": f"a post is at most {MAX_TEXT} characters here"}, status_code=413)
        try:
            result = measure(platform, text)
        except BotError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if result["fits"]:
            post = make_post(rules_for(platform), normalise(text), role="highlight")
            result["html"] = str(text_html(platform, post.text, link_spans(platform, post)))
        return security.headers(JSONResponse(result))


def posts_from_form(form: Any) -> dict[str, list]:
    """The edited posts: ``{platform}-{position}`` texts with their ``-role`` and ``-story``."""
    from bot.drafts import DraftPost

    found: dict[str, dict[int, DraftPost]] = {}
    for name, value in form.multi_items():
        platform, _, position = name.rpartition("-")
        if not platform or not position.isdigit() or name.endswith(("-role", "-story")):
            continue
        story = str(form.get(f"{name}-story") or "")
        found.setdefault(platform, {})[int(position)] = DraftPost(
            platform, int(position), str(form.get(f"{name}-role") or "highlight"), str(value),
            int(story) if story.isdigit() else None)
    return {p: [posts[n] for n in sorted(posts)] for p, posts in found.items()}


def lenient_threads(issue: Any, posts: dict[str, list], settings: Any) -> dict[str, Any]:
    """Edited posts as threads even when some do not fit, to show them again with the error:
    those that fit exactly as they would post, the others with their measured length."""
    from bot.compose.measure import make_post, measure, normalise, rules_for
    from bot.compose.model import Post, Thread
    from bot.drafts.store import template_thread
    from bot.errors import ComposeError

    threads = {}
    for platform, thread_posts in posts.items():
        template = template_thread(issue, settings, platform)
        card = template.posts[0].card if template and template.posts else None
        built = []
        for post in thread_posts:
            text = normalise(post.text)
            try:
                built.append(make_post(rules_for(platform), text, role=post.role, item_index=post.story,
                                       card=card if post.position == 0 else None))
            except ComposeError:
                m = measure(platform, text)
                built.append(Post(text=str(m["shown"]), length=_int(m["length"]), limit=_int(m["limit"]),
                                  role=post.role, item_index=post.story, byte_length=_int(m.get("bytes", 0))))
        threads[platform] = Thread(platform=platform, posts=tuple(built), issue_key=issue.key)
    return threads


def create_app(settings: Any, *, token: str | None, loopback: bool) -> Any:
    review = Review(settings)
    app = Starlette(routes=[
        Route("/", review.index),
        Route("/issue/{key:path}", review.issue),
        Route("/save", review.save, methods=["POST"]),
        Route("/act/{action:str}", review.act, methods=["POST"]),
        Route("/api/measure", review.measure, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ])
    return security.Guard(app, token=token, loopback=loopback)


def _field(form: Any, name: str) -> str | None:
    """A form field's text (an upload in its place is no token)."""
    value = form.get(name)
    return value if isinstance(value, str) else None


def _int(value: object) -> int:
    return value if isinstance(value, int) else int(str(value))
