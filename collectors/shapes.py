"""Provide :func:`body_platform`: which platform's API a saved response body looks like.

``bot harvest --load FILE --platform P`` runs a body through P's transform; a body from another
platform used to pass quietly (a Bluesky body loaded as X said ``ok`` with 0 posts) or fail
with an error about missing keys. Telling the platform from the body's shape lets the error say
what the body is and which ``--platform`` reads it.
"""

from __future__ import annotations

from typing import Any


def body_platform(raw: Any) -> tuple[str, str] | None:
    """``(platform, what the body is)`` when ``raw`` has a platform's unmistakable shape."""
    if _reddit(raw):
        return "reddit", "a Reddit Listing"
    if not isinstance(raw, dict):
        return None
    if isinstance(raw.get("thread"), dict) and _bluesky_view(raw["thread"].get("post")):
        return "bluesky", "a Bluesky getPostThread body"
    for key, what in (("posts", "searchPosts"), ("feed", "feed")):
        items = raw.get(key)
        if isinstance(items, list) and items and all(_bluesky_item(i, key) for i in items[:5]):
            return "bluesky", f"a Bluesky {what} body"
    data = raw.get("data")
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    if items and all(_tweet(t) for t in items[:5]):
        return "x", "an X API v2 body"
    if isinstance(raw.get("meta"), dict) and {"result_count", "newest_id"} & set(raw["meta"]):
        return "x", "an X API v2 body"
    return None


def _reddit(raw: Any) -> bool:
    if isinstance(raw, dict):
        return raw.get("kind") == "Listing"
    return isinstance(raw, list) and bool(raw) and all(
        isinstance(x, dict) and x.get("kind") == "Listing" for x in raw
    )


def _bluesky_view(view: Any) -> bool:
    return isinstance(view, dict) and str(view.get("uri", "")).startswith("at://")


def _bluesky_item(item: Any, key: str) -> bool:
    return _bluesky_view(item.get("post") if key == "feed" and isinstance(item, dict) else item)


def _tweet(item: Any) -> bool:
    return isinstance(item, dict) and "id" in item and "text" in item and "uri" not in item
