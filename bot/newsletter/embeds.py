"""Provide :class:`Embed` records from the ``data-attrs`` Substack stores on embedded posts.

Substack keeps the whole tweet in ``data-attrs`` JSON (``url``, ``full_text``, ``username``,
``name``, ``date``), in every markup generation: ``div.tweet`` with rendered markup (2020-2022),
``div.twitter-embed`` with none (2023+), and the same attributes in Markdown exports. Bluesky
embeds (``div.bluesky-wrap``) keep ``authorDid`` and ``postId``, which give the post's
``at://`` URI and a ``bsky.app`` URL that survives a handle change.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.newsletter.model import Embed
from bot.timeutil import iso, parse_iso

_STATUS = re.compile(r"^/(?:#!/)?([A-Za-z0-9_]{1,50})/status(?:es)?/(\d{5,25})")
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_BSKY_URI = re.compile(r"^at://(did:[a-z0-9]+:[A-Za-z0-9._:%-]+)/app\.bsky\.feed\.post/([A-Za-z0-9]+)$")


def _plain(text: str | None) -> str:
    """Tweet text without its HTML (``full_text`` holds ``<a class="tweet-url">`` links)."""
    if not text:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAGS.sub("", text))).strip()


def tweet_date(value: str | None) -> str | None:
    """ISO-8601 UTC text from Twitter's ``Sat May 08 16:20:00 +0000 2021`` or an ISO date."""
    if not value:
        return None
    for parse in (lambda v: dt.datetime.strptime(v, "%a %b %d %H:%M:%S %z %Y"), parse_iso):
        try:
            return iso(parse(value.strip()))
        except ValueError:
            continue
    return None


def tweet_url(url: str) -> tuple[str, str, str] | None:
    """``(clean url, author, id)`` for a tweet URL on twitter.com or x.com, else ``None``."""
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.").removeprefix("mobile.")
    match = _STATUS.match(parts.path)
    if host not in ("twitter.com", "x.com") or not match:
        return None
    # The query (``?s=20``) and fragment are share tracking, not part of the post's address.
    return urlunsplit((parts.scheme or "https", parts.netloc, parts.path, "", "")), match[1], match[2]


def tweet_from_attrs(attrs: dict[str, Any]) -> Embed | None:
    """A tweet from Substack's ``data-attrs`` (any generation)."""
    parsed = tweet_url(str(attrs.get("url") or ""))
    if not parsed:
        return None
    url, author, tweet_id = parsed
    return Embed(
        platform="x",
        url=url,
        id=tweet_id,
        author=str(attrs.get("username") or author).lstrip("@"),
        author_name=str(attrs.get("name") or "").strip(),
        text=_plain(attrs.get("full_text") or attrs.get("text")),
        created_at=tweet_date(attrs.get("date") or attrs.get("created_at")),
    )


def bluesky_from_attrs(attrs: dict[str, Any]) -> Embed | None:
    """A Bluesky post from a ``bluesky-wrap``'s ``data-attrs`` (``authorDid`` + ``postId``)."""
    did, post_id = str(attrs.get("authorDid") or ""), str(attrs.get("postId") or "")
    if not did.startswith("did:") or not post_id:
        return None
    return bluesky_embed(
        did,
        post_id,
        handle=str(attrs.get("authorHandle") or ""),
        name=str(attrs.get("authorName") or ""),
        text=_plain(attrs.get("text")),
        created_at=tweet_date(attrs.get("createdAt")),
    )


def bluesky_from_uri(uri: str, **fields: Any) -> Embed | None:
    """A Bluesky post from its ``at://did/app.bsky.feed.post/rkey`` URI."""
    match = _BSKY_URI.match(uri.strip())
    return bluesky_embed(match[1], match[2], **fields) if match else None


def bluesky_embed(
    did: str,
    post_id: str,
    *,
    handle: str = "",
    name: str = "",
    text: str = "",
    created_at: str | None = None,
) -> Embed:
    return Embed(
        platform="bluesky",
        url=f"https://bsky.app/profile/{did}/post/{post_id}",
        id=f"at://{did}/app.bsky.feed.post/{post_id}",
        author=handle.lstrip("@"),
        author_name=name.strip(),
        text=text,
        created_at=created_at,
    )
