"""Provide :func:`parse_export`: newsletter platforms' JSON exports and API bodies other than
Substack's (which :mod:`bot.newsletter.substack` reads).

- **Ghost**: the admin export (``{"db": [{"meta": ..., "data": {"posts": [...]}}]}``, or without
  the ``db`` wrapper) and the Content API (``{"posts": [...]}`` with ``html`` and ``url``). Only
  published posts (not pages, not drafts); Ghost writes its own origin as ``__GHOST_URL__``.
- **beehiiv**: the v2 API's post (``{"data": {...}}`` or ``{"data": [...]}``) with ``web_url``,
  ``publish_date`` (Unix seconds) and its HTML under ``content.free.web`` (or ``email``).
- **Buttondown**: the emails API (``{"results": [...]}``) with ``subject``, ``body`` (Markdown or
  HTML), ``absolute_url`` and ``publish_date``.

Anything else is ``None``: the caller tries Substack's shape, then gives its one-line error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from bot.newsletter.builder import build_issue
from bot.newsletter.model import Issue
from bot.timeutil import iso, parse_iso
from bot.weburl import is_web_url

_GHOST_URL = "__GHOST_URL__"


def parse_export(data: Any, *, source: str) -> list[Issue] | None:
    """The issues of a Ghost, beehiiv or Buttondown body, newest first; ``None`` if it is none."""
    for shape in (_ghost, _beehiiv, _buttondown):
        posts = shape(data)
        if posts is not None:
            reader, items = posts
            issues = [reader(post, source) for post in items if isinstance(post, dict)]
            return sorted(issues, key=lambda issue: issue.published_at or "", reverse=True)
    return None


def _ghost(data: Any) -> tuple[Callable[[dict[str, Any], str], Issue], list[Any]] | None:
    if isinstance(data, dict) and isinstance(data.get("db"), list) and data["db"]:
        data = data["db"][0]
    if isinstance(data, dict) and isinstance(data.get("data"), dict):
        data = data["data"]
    posts = data.get("posts") if isinstance(data, dict) else None
    if not isinstance(posts, list) or not posts or not all(isinstance(p, dict) and "html" in p for p in posts):
        return None
    kept = [p for p in posts if p.get("status", "published") == "published" and p.get("type", "post") == "post"
            and not p.get("page")]
    return _ghost_issue, kept


def _ghost_issue(post: dict[str, Any], source: str) -> Issue:
    url = _url(str(post.get("url") or "").replace(_GHOST_URL, ""))
    html = str(post.get("html") or "").replace(_GHOST_URL, "")
    return _issue(
        _html_blocks(html, url),
        title=post.get("title"),
        subtitle=post.get("custom_excerpt") or post.get("excerpt") or "",
        url=url,
        published=post.get("published_at"),
        image=post.get("feature_image"),
        source=source,
    )


def _beehiiv(data: Any) -> tuple[Callable[[dict[str, Any], str], Issue], list[Any]] | None:
    body = data.get("data") if isinstance(data, dict) else None
    posts = body if isinstance(body, list) else [body] if isinstance(body, dict) else None
    if not posts or not all(isinstance(p, dict) and "web_url" in p for p in posts):
        return None
    return _beehiiv_issue, [p for p in posts if p.get("status", "confirmed") == "confirmed"]


def _beehiiv_issue(post: dict[str, Any], source: str) -> Issue:
    content = post.get("content")
    content = content if isinstance(content, dict) else {}
    free = content.get("free")
    free = free if isinstance(free, dict) else {}
    html = free.get("web") or free.get("email") or ""
    url = _url(post.get("web_url"))
    return _issue(
        _html_blocks(str(html), url),
        title=post.get("title"),
        subtitle=post.get("subtitle") or "",
        url=url,
        published=post.get("publish_date") or post.get("displayed_date"),
        image=post.get("thumbnail_url"),
        source=source,
    )


def _buttondown(data: Any) -> tuple[Callable[[dict[str, Any], str], Issue], list[Any]] | None:
    posts = data.get("results") if isinstance(data, dict) else None
    if isinstance(data, dict) and "subject" in data and "body" in data:
        posts = [data]
    if not isinstance(posts, list) or not posts or not all(isinstance(p, dict) and "subject" in p and "body" in p for p in posts):
        return None
    return _buttondown_issue, [p for p in posts if p.get("status", "sent") in ("sent", "published", "imported")]


def _buttondown_issue(post: dict[str, Any], source: str) -> Issue:
    from bot.newsletter.markdown import looks_like_html, markdown_blocks

    body = str(post.get("body") or "")
    url = _url(post.get("absolute_url"))
    blocks = _html_blocks(body, url) if looks_like_html(body) else markdown_blocks(body)
    return _issue(
        blocks,
        title=post.get("subject"),
        subtitle=post.get("description") or "",
        url=url,
        published=post.get("publish_date"),
        image=post.get("image"),
        source=source,
    )


def _html_blocks(html: str, url: str | None) -> list[Any]:
    from bot.newsletter.html import fragment_blocks

    return fragment_blocks(html, base_url=url)


def _issue(blocks: list[Any], *, title: Any, subtitle: Any, url: str | None, published: Any, image: Any,
           source: str) -> Issue:
    return build_issue(
        blocks,
        title=title if isinstance(title, str) else "",
        subtitle=subtitle if isinstance(subtitle, str) else "",
        url=url,
        published_at=_when(published),
        image=_url(image),
        source=source,
    )


def _url(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and is_web_url(value.strip()) else None


def _when(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)) and 0 < value < 1e11:
        return iso(dt.datetime.fromtimestamp(value, tz=dt.UTC))
    if isinstance(value, str) and value.strip():
        try:
            return iso(parse_iso(value.strip().replace(" ", "T", 1)))
        except ValueError:
            return None
    return None
