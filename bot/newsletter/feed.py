"""Provide the RSS/Atom reader (Substack's ``/feed``): one :class:`Issue` per entry, newest first.

feedparser is asked not to sanitise HTML: its sanitiser strips the ``class`` and ``data-attrs``
attributes that tell a tweet embed from a share button. The text reaches it already decoded
(and repaired) by :mod:`bot.newsletter.charset`, re-encoded as UTF-8.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Any

import msgspec

from bot.errors import InputError
from bot.newsletter.builder import build_issue
from bot.newsletter.charset import fix_text
from bot.newsletter.html import fragment_blocks
from bot.newsletter.items import squash
from bot.newsletter.model import Issue
from bot.timeutil import iso
from bot.weburl import is_web_url, shown

_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[^"']*\2""")
_TAGS = re.compile(r"<[^>]+>")
_TRUNCATED = re.compile(r"no element found|unclosed token", re.IGNORECASE)


def parse_feed(text: str, *, source: str) -> tuple[str, list[Issue]]:
    """The feed's title and its entries as issues, newest first."""
    import feedparser

    data = _XML_ENCODING.sub(r'\1"utf-8"', text, count=1).encode("utf-8")
    try:
        parsed = feedparser.parse(
            data,
            sanitize_html=False,
            resolve_relative_uris=False,
            response_headers={"content-type": "application/xml; charset=utf-8"},
        )
    except (OverflowError, ValueError, LookupError, TypeError) as exc:
        # feedparser's lenient parser gives up on some hostile input (a character reference
        # past Unicode, &#xFFFFFFFF;, is an OverflowError from its sgmllib): a malformed feed.
        raise InputError(f"malformed feed {source}: {type(exc).__name__} in the feed parser") from None
    entries = [entry for entry in parsed.entries if entry.get("title") or _text(entry)]
    problem = squash(str(parsed.get("bozo_exception", ""))) if parsed.bozo else ""
    # A cut-off download must not pass for a feed; a stray entity in a whole feed may.
    if problem and (_TRUNCATED.search(problem) or not any(_text(entry) for entry in entries)):
        raise InputError(f"malformed feed {source}: {problem}")
    if not parsed.get("version") and not entries:
        raise InputError(f"{source} is not an RSS or Atom feed")
    channel = fix_text(squash(_TAGS.sub("", parsed.feed.get("title", ""))))
    home = parsed.feed.get("link") or None
    issues = [_issue(entry, source=source, channel=channel, home=home) for entry in entries]
    if problem:
        warning = f"the feed is not well-formed ({problem}); it was read leniently"
        issues = [_with_warning(issue, warning) for issue in issues]
    order = sorted(range(len(issues)), key=lambda i: (issues[i].published_at or "", -i), reverse=True)
    return fix_text(parsed.feed.get("title", "")), [issues[i] for i in order]


def _body(entry: Any) -> str:
    for content in entry.get("content") or ():
        if content.get("value", "").strip():
            return content["value"]
    return ""


def _text(entry: Any) -> str:
    return _body(entry) or entry.get("summary", "")


def _issue(entry: Any, *, source: str, channel: str = "", home: str | None = None) -> Issue:
    body = _body(entry)
    summary = entry.get("summary", "") or ""
    if not body:  # a feed without content:encoded carries the post in its description
        body, summary = summary, ""
    elif len(summary) > 400 or _TAGS.sub("", summary).strip()[:60] in _TAGS.sub("", body):
        summary = ""  # feedparser's stand-in description (the body's start) is no subtitle
    raw_link = (entry.get("link") or "").strip()
    link = raw_link if is_web_url(raw_link) else None
    issue = build_issue(
        fragment_blocks(body, base_url=link),
        title=squash(_TAGS.sub("", entry.get("title", ""))),
        subtitle=squash(_TAGS.sub(" ", summary)),
        url=link,
        guid=entry.get("id") or link,
        published_at=_published(entry),
        image=_image(entry),
        newsletter=channel,
        home_url=home if is_web_url(home) else None,
        source=source,
    )
    problems = []
    if not issue.title:
        problems.append("no title")
    if not link:
        problems.append(f"no http(s) link ({shown(raw_link)!r})" if raw_link else "no link")
    if problems:
        issue = msgspec.structs.replace(issue, unpostable=" and ".join(problems))
    if not issue.items:
        return _with_warning(issue, "the feed entry has no readable items (read its page instead)")
    return issue


def _published(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        moment = entry.get(key)
        if moment:
            return iso(dt.datetime.fromtimestamp(calendar.timegm(moment), tz=dt.UTC))
    return None


def _image(entry: Any) -> str | None:
    for enclosure in entry.get("enclosures") or ():
        if str(enclosure.get("type", "")).startswith("image/") and enclosure.get("href"):
            return enclosure["href"]
    for key in ("media_content", "media_thumbnail"):
        for media in entry.get(key) or ():
            if media.get("url") and media.get("medium", "image") == "image":
                return media["url"]
    return None


def _with_warning(issue: Issue, warning: str) -> Issue:
    return msgspec.structs.replace(issue, warnings=(*issue.warnings, warning))
