"""Provide :func:`page_meta`: what a page's ``<head>`` (and JSON-LD) says of the issue: its
title, subtitle, canonical URL (or an email's "View in browser" link), date, cover image and
the site's name."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.newsletter.items import squash
from bot.timeutil import iso, parse_iso


def page_meta(soup: Any) -> dict[str, Any]:
    def meta(*names: str) -> str | None:
        for name in names:
            tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
            if tag and tag.get("content", "").strip():
                return squash(tag["content"])
        return None

    def text(selector: str) -> str | None:
        tag = soup.select_one(selector)
        return squash(tag.get_text(" ")) if tag else None

    ld = _json_ld(soup)
    canonical = soup.find("link", rel="canonical")
    title_tag = soup.title.get_text() if soup.title else None
    stated = text("h1.post-title") or meta("og:title", "twitter:title") or ld.get("headline")
    return {
        "title": stated or (squash(title_tag) if title_tag else None),
        "from_title_tag": not stated and bool(title_tag),
        "subtitle": text("h3.subtitle")
        or meta("og:description", "description", "twitter:description")
        or "",
        "url": (canonical.get("href") if canonical else None) or meta("og:url") or _view_online(soup),
        "published_at": _iso(
            meta("article:published_time")
            or ld.get("datePublished")
            or (soup.time.get("datetime") if soup.time else None)
        ),
        "image": meta("og:image", "twitter:image"),
        "site_name": meta("og:site_name", "application-name") or ld_publisher(ld),
    }


_VIEW_ONLINE = re.compile(
    r"^\W*(?:view|read|open)(?: this)?(?: (?:email|post|issue|newsletter))? (?:in|on) (?:your |the )?(?:browser|web)\W*$"
    r"|^\W*(?:view|read) (?:it )?online\W*$",
    re.IGNORECASE,
)


def _view_online(soup: Any) -> str | None:
    """An email's "View in browser" link: the issue's own page."""
    for anchor in soup.find_all("a", href=True):
        if _VIEW_ONLINE.match(anchor.get_text(" ").strip()) and anchor["href"].startswith(("http://", "https://")):
            return str(anchor["href"]).strip()
    return None


def ld_publisher(ld: dict[str, Any]) -> str | None:
    publisher = ld.get("publisher")
    if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
        return squash(publisher["name"])
    return None


def _json_ld(soup: Any) -> dict[str, Any]:
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.string or "")
        except ValueError:
            continue
        for entry in data if isinstance(data, list) else [data]:
            if isinstance(entry, dict) and entry.get("datePublished"):
                return entry
    return {}


def _iso(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return iso(parse_iso(value))
    except ValueError:
        return None
