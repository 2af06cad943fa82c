"""Provide :func:`link_kind`: what a link in an issue points at, told from its URL alone.

A story's main link is content: a paper, code, an article, a post. Links that are not
content are told apart here, once, for the furniture rules and the main-link choice: a
footnote anchor, an author's profile, a share/subscribe/comment/app link, an image.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

_IMAGE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|svg|bmp|heic)$", re.IGNORECASE)
_IMAGE_HOSTS = ("substackcdn.com", "substack-post-media.s3.amazonaws.com", "pbs.twimg.com", "i.imgur.com", "media.beehiiv.com", "images.unsplash.com")
_SHARE_HOSTS = ("facebook.com/sharer", "twitter.com/intent", "x.com/intent", "linkedin.com/sharing", "linkedin.com/shareArticle", "reddit.com/submit", "news.ycombinator.com/submitlink", "bsky.app/intent", "wa.me", "t.me/share", "mastodonshare.com", "getpocket.com/save")
_APP_HOSTS = ("apps.apple.com", "play.google.com", "substack.com/app", "substack.com/download")
# A profile's path on each site, compiled on first use through re's own cache: an issue links
# to a few of these hosts, and bot preview's start pays for every compile.
_SOCIAL_PROFILE = {
    "twitter.com": r"^/@?[A-Za-z0-9_]{1,20}/?$",
    "x.com": r"^/@?[A-Za-z0-9_]{1,20}/?$",
    "bsky.app": r"^/profile/[^/]+/?$",
    "linkedin.com": r"^/(?:in|company)/[^/]+/?$",
    "github.com": r"^/[A-Za-z0-9-]{1,39}/?$",
    "instagram.com": r"^/[^/]+/?$",
    "facebook.com": r"^/[^/]+/?$",
    "threads.net": r"^/@[^/]+/?$",
    "youtube.com": r"^/(?:@[^/]+|c/[^/]+|channel/[^/]+|user/[^/]+)/?$",
    "substack.com": r"^/(?:@[^/]+|profile/[^/]+)/?$",
    "medium.com": r"^/@[^/]+/?$",
    "huggingface.co": r"^/(?!blog|papers|datasets|spaces|models|docs|learn|posts|chat)[\w.-]+/?$",
    "hf.co": r"^/(?!blog|papers|datasets|spaces|models|docs|learn|posts|chat)[\w.-]+/?$",
}
_MASTODON_PROFILE = re.compile(r"^/@[A-Za-z0-9_]+(?:@[\w.-]+)?/?$")
_PATH_KINDS = (
    (re.compile(r"/subscribe(?:/|$)|/signup(?:/|$)|/account(?:/|$)|/sign-?in(?:/|$)|/members?/|#/portal"), "subscribe"),
    (re.compile(r"/comments?(?:/|$)|#comments?$|/comment/\d+"), "comment"),
    (re.compile(r"/share(?:/|$)|/action/share"), "share"),
    (re.compile(r"/(?:unsubscribe|email-preferences|manage|preferences|settings)(?:/|$)"), "subscribe"),
    (re.compile(r"/(?:about|archive|tags?|authors?|people|recommendations|leaderboard|podcast)/?$"), "site"),
)
_SHARE_QUERY = ("utm_campaign", "action", "share", "r")


def link_kind(url: str) -> str:
    """``"content"``, or what else it is: ``"footnote"``, ``"profile"``, ``"share"``,
    ``"subscribe"``, ``"comment"``, ``"app"``, ``"image"``, ``"site"``, ``"home"`` (a site's
    root page), ``"mail"`` or ``"other"``."""
    if url.startswith("#"):
        return "footnote"
    if url.lower().startswith("mailto:"):
        return "mail"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("mobile.")
    except ValueError:
        return "other"
    if parts.scheme.lower() not in ("http", "https") or not host:
        return "other"
    path = parts.path or "/"
    if parts.fragment.lower().startswith(("footnote", "fn", "ref", "footnote-anchor")) and path in ("", "/"):
        return "footnote"
    if re.search(r"#(?:footnote|fn)[-:]?\d", url):
        return "footnote"
    where = f"{host}{path}"
    if any(where.startswith(h) for h in _SHARE_HOSTS):
        return "share"
    if any(where.startswith(h) for h in _APP_HOSTS) or host.startswith(("open.substack.com",)) and "/pub/" not in path:
        return "app"
    if _IMAGE.search(path) or any(host == h or host.endswith("." + h) for h in _IMAGE_HOSTS):
        return "image"
    query = parse_qs(parts.query)
    if "share" in path.lower() and ("utm_medium" in query or "action" in query):
        return "share"
    if query.get("action") == ["share"] or query.get("utm_campaign") == ["share"] or "comments" in query.get("utm_content", ()):
        return "share"
    profile = _SOCIAL_PROFILE.get(host)
    if profile and re.match(profile, path):
        return "profile"
    if host.endswith(".substack.com") and re.match(r"^/(?:@[^/]+|profile/.+)$", path):
        return "profile"
    if _MASTODON_PROFILE.match(path) and not host.endswith(("twitter.com", "x.com", "medium.com", "threads.net")):
        return "profile"
    if path in ("", "/") and not parts.query:
        return "home"
    for pattern, kind in _PATH_KINDS:
        if pattern.search(path.lower() + ("#" + parts.fragment.lower() if parts.fragment else "")):
            return kind
    return "content"


def is_content(url: str) -> bool:
    return link_kind(url) == "content"
