"""Provide the reader for Substack's post JSON (``/api/v1/posts/<slug>``), for posts that
have dropped out of the feed.

One post is an object with ``title``, ``subtitle``, ``canonical_url``, ``post_date``,
``body_html``, ``cover_image``, ``slug`` and ``id``; archive endpoints return a list of them.
The issue's key is its canonical URL, the same key the feed (whose guid is that URL) and the
post page give it, so reading a post both ways stores one row.
"""

from __future__ import annotations

from typing import Any

import msgspec

from bot.errors import InputError
from bot.newsletter.builder import build_issue
from bot.newsletter.charset import fix_text
from bot.newsletter.html import fragment_blocks
from bot.newsletter.model import Issue
from bot.timeutil import iso, parse_iso
from bot.weburl import is_web_url, shown


def parse_posts(data: Any, *, source: str) -> list[Issue]:
    """Every post in ``data`` (one post object, a list, or ``{"posts": [...]}``), newest first."""
    posts = data.get("posts") if isinstance(data, dict) and "posts" in data else data
    posts = posts if isinstance(posts, list) else [posts]
    if not posts or not all(isinstance(p, dict) and "title" in p and "body_html" in p for p in posts):
        raise InputError(f"{source} is JSON but not a Substack post (needs title and body_html)")
    issues = [_issue(post, source=source) for post in posts]
    return sorted(issues, key=lambda issue: issue.published_at or "", reverse=True)


def _issue(post: dict[str, Any], *, source: str) -> Issue:
    body = post.get("body_html") or ""
    if not isinstance(body, str):
        raise InputError(f"{source}: body_html must be HTML text, not {_kind(body)}")
    canonical = post.get("canonical_url")
    url = canonical if is_web_url(canonical) else None
    warnings = () if url or not canonical else (
        f"canonical_url {shown(repr(canonical))} is not an http(s) URL; it was left out",
    )
    post_id = post.get("id")
    issue = build_issue(
        fragment_blocks(fix_text(body), base_url=url),
        title=_text(post.get("title")) or _text(post.get("slug")),
        subtitle=_text(post.get("subtitle")),
        url=url,
        guid=None if url else (f"substack:post:{post_id}" if isinstance(post_id, (str, int)) and post_id else None),
        published_at=_iso(post.get("post_date")),
        image=post.get("cover_image") if is_web_url(post.get("cover_image")) else None,
        source=source,
    )
    if warnings:
        issue = msgspec.structs.replace(issue, warnings=(*issue.warnings, *warnings))
    if not issue.items:
        reason = "no body_html (a paywalled post?)" if not post.get("body_html") else "no readable items"
        return msgspec.structs.replace(issue, warnings=(*issue.warnings, f"the post has {reason}"))
    return issue


def _text(value: Any) -> str:
    """A title or subtitle: text as given; a number as its digits; anything else nothing."""
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def _kind(value: Any) -> str:
    names = {list: "a list", dict: "an object", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _iso(value: Any) -> str | None:
    try:
        return iso(parse_iso(value)) if isinstance(value, str) and value else None
    except (ValueError, OverflowError):
        return None
