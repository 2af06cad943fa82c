"""Provide the newsletter's own identity: a clean issue title, the newsletter's name and home.

The name comes from ``[newsletter]`` settings, else from the source itself (a feed's channel
title, a page's ``og:site_name``, an export's front matter), never a hard-coded default. A
title loses what sites add to it: `` - by Author``, `` | Site name``, ``Site name: `` when the
site is the newsletter's name.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_BY_AUTHOR = re.compile(r"\s+[-–—|·]\s+by\s+[^-–—|·]{1,60}$", re.IGNORECASE)
_SUFFIX = re.compile(r"\s+[-–—|·:]\s+([^-–—|·]{1,60})$")


def clean_title(title: str, *, newsletter: str = "") -> str:
    """``title`` without a trailing byline or the site's own name."""
    title = title.strip()
    for _ in range(2):
        title = _BY_AUTHOR.sub("", title).strip()
        match = _SUFFIX.search(title)
        if match and newsletter and _same(match.group(1), newsletter):
            title = title[: match.start()].strip()
    return title


def _same(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"[\W_]+", "", s.lower())

    return bool(norm(a)) and norm(a).removeprefix("the") == norm(b).removeprefix("the")


def home_of(url: str | None) -> str | None:
    """The site root of an issue URL (``https://x.substack.com/p/slug`` -> ``https://x.substack.com``)."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def name_from_host(url: str | None) -> str:
    """A readable name from a host when nothing names the newsletter (``jack.substack.com`` -> ``jack``)."""
    host = (urlsplit(url or "").hostname or "").removeprefix("www.")
    if host.endswith(".substack.com"):
        return host.removesuffix(".substack.com")
    return host
