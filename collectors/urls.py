"""Provide link helpers: find URLs in post text, name their domain, make ``links`` rows.

A curator looks for papers and code: ``arxiv.org``, ``doi.org`` and ``github.com`` links are
the strong signals, so every link is stored with its domain (``www.`` and mobile prefixes
dropped) to facet and filter on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

STRONG_DOMAINS = frozenset(
    {"arxiv.org", "doi.org", "github.com", "biorxiv.org", "openreview.net", "huggingface.co"}
)

_URL = re.compile(r"https?://[^\s<>\"'`\]\[{}|\\^]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_~"
_HOST_PREFIXES = ("www.", "m.", "mobile.")


def domain(url: str) -> str:
    """The host of ``url`` in lower case, without ``www.``/``m.``; ``""`` if it has none."""
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix):]
            break
    return host


def is_strong(host: str) -> bool:
    """Whether a domain (or a subdomain of one) is a paper or code host."""
    return any(host == d or host.endswith("." + d) for d in STRONG_DOMAINS)


def extract_urls(text: str | None) -> list[str]:
    """Every http(s) URL in ``text``, in order, without trailing punctuation or duplicates."""
    if not text:
        return []
    found: list[str] = []
    for match in _URL.finditer(text):
        url = _trim(match.group(0))
        if url not in found and domain(url):
            found.append(url)
    return found


def link_rows(post_id: str, urls: Iterable[Any]) -> list[dict[str, str]]:
    """``links`` rows for one post: unique, non-empty URLs that have a host."""
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for url in urls:
        if not isinstance(url, str):
            continue
        url = url.strip()
        host = domain(url)
        if not host or url in seen:
            continue
        seen.add(url)
        rows.append({"post_id": post_id, "url": url, "domain": host})
    return rows


def _trim(url: str) -> str:
    url = url.rstrip(_TRAILING)
    # A closing bracket belongs to the URL only if the URL opened one: "(see https://x.org/a)".
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(_TRAILING)
    return url
