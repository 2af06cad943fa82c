"""Provide :func:`to_rows` for Mastodon: statuses (a timeline page, a context, one status) to rows.

A status's ``id`` is local to the instance that answered, so our ids are the status's public
``url`` (its ``uri`` when it has none), prefixed ``mastodon:``: the same on every instance,
and what people paste. Replies point at their parent by local id; a parent in the same body is
resolved to its public id, and a thread's root is the top of the chain found in the body.
Text comes from the status's HTML the way Mastodon wrote it: paragraphs, line breaks, and each
link's full URL (the server shortens the visible part into spans).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from collectors.base import Rows
from collectors.ratelimit import utc_iso
from collectors.rowcheck import validated
from collectors.urls import link_rows

PLATFORM = "mastodon"
PREFIX = "mastodon:"


@validated  # every row checked against the row shapes (collectors.rowcheck)
def to_rows(raw: Any) -> Rows:
    """Rows for a list of statuses, a context body (``ancestors``/``descendants``, plus the
    ``status`` itself when we saved it), a search body (``statuses``) or one status."""
    statuses = _statuses(raw)
    rows = Rows()
    if statuses is None:
        rows.skipped.append(f"mastodon: body is a {type(raw).__name__} with no statuses")
        return rows
    by_local = {str(s["id"]): s for s in statuses if isinstance(s, Mapping) and s.get("id") is not None}
    for status in statuses:
        if not _valid(status):
            rows.skipped.append(f"mastodon: skipped a malformed status ({_describe(status)})")
            continue
        post = _post(status, by_local)
        rows.posts.append(post)
        rows.authors.append(_author(status["account"]))
        rows.links.extend(link_rows(post["id"], status_links(status)))
        if status.get("in_reply_to_id") is None:
            rows.threads.append({
                "id": post["id"], "platform": PLATFORM, "root_post_id": post["id"],
                "author_id": post["author_id"], "title": _first_line(post["text"]), "url": post["url"],
            })
    return rows


def status_id(status: Mapping[str, Any]) -> str:
    """Our id of a status: its public URL (else its ActivityPub URI), prefixed."""
    return PREFIX + str(status.get("url") or status["uri"])


def html_text(content: str) -> str:
    """A status's HTML as the text its author wrote: paragraphs, line breaks, full URLs."""
    parser = _Text()
    parser.feed(content or "")
    parser.close()
    return "\n\n".join(p.strip("\n") for p in "".join(parser.out).split("\x00") if p.strip())


def status_links(status: Mapping[str, Any]) -> list[str]:
    """The web links of a status (not its mentions or hashtags), and its card's."""
    parser = _Text()
    parser.feed(str(status.get("content") or ""))
    card = status.get("card")
    card_url = card.get("url") if isinstance(card, Mapping) else None
    return [*parser.links, *([card_url] if isinstance(card_url, str) else [])]


def _statuses(raw: Any) -> list[Any] | None:
    if isinstance(raw, list):
        return raw
    if not isinstance(raw, Mapping):
        return None
    if "ancestors" in raw or "descendants" in raw:
        middle = [raw["status"]] if isinstance(raw.get("status"), Mapping) else []
        return [*list(raw.get("ancestors") or []), *middle, *list(raw.get("descendants") or [])]
    if isinstance(raw.get("statuses"), list):
        return list(raw["statuses"])
    if "content" in raw and "account" in raw:
        return [raw]
    return None


def _valid(status: Any) -> bool:
    return bool(
        isinstance(status, Mapping)
        and status.get("id") is not None
        and (status.get("url") or status.get("uri"))
        and isinstance(status.get("account"), Mapping)
        and (status["account"].get("url") or status["account"].get("uri"))
        and isinstance(status.get("content"), str)
    )


def _post(status: Mapping[str, Any], by_local: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    parent = by_local.get(str(status.get("in_reply_to_id")))
    root = status
    seen = {str(status["id"])}
    while root.get("in_reply_to_id") is not None and str(root["in_reply_to_id"]) in by_local:
        root = by_local[str(root["in_reply_to_id"])]
        if str(root["id"]) in seen:  # a loop in a hand-made body: stop
            break
        seen.add(str(root["id"]))
    # A reply whose chain leaves the body has no known root.
    thread = status_id(root) if root.get("in_reply_to_id") is None else None
    return {
        "id": status_id(status),
        "platform": PLATFORM,
        "thread_id": thread,
        "parent_id": status_id(parent) if parent else None,
        "author_id": _author_id(status["account"]),
        "text": html_text(status["content"]),
        "created_at": _time(status.get("created_at")),
        "url": status.get("url") or status.get("uri"),
        "like_count": status.get("favourites_count"),
        "repost_count": status.get("reblogs_count"),
        "reply_count": status.get("replies_count"),
        "quote_count": status.get("quotes_count"),
        "raw": json.dumps(status, ensure_ascii=False, separators=(",", ":")),
    }


def _author(account: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": _author_id(account),
        "platform": PLATFORM,
        "handle": handle(account),
        "display_name": account.get("display_name") or None,
        "description": html_text(str(account.get("note") or "")) or None,
        "followers_count": account.get("followers_count"),
        "url": account.get("url"),
        "raw": json.dumps(account, ensure_ascii=False, separators=(",", ":")),
    }


def handle(account: Mapping[str, Any]) -> str:
    """``user@instance``, in lower case: a local account's ``acct`` carries no domain."""
    acct = str(account.get("acct") or account.get("username") or "")
    if "@" not in acct:
        host = urlsplit(str(account.get("url") or account.get("uri") or "")).netloc
        acct = f"{acct}@{host}" if host else acct
    return acct.lower()


def _author_id(account: Mapping[str, Any]) -> str:
    return PREFIX + str(account.get("url") or account["uri"])


def _time(value: Any) -> str | None:
    try:
        return utc_iso(dt.datetime.fromisoformat(str(value)).timestamp()) if value else None
    except ValueError:
        return None


def _first_line(text: str) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= 200 else line[:199] + "…"


def _describe(status: Any) -> str:
    return f"id {status['id']}" if isinstance(status, Mapping) and status.get("id") else "no id"


class _Text(HTMLParser):
    """Mastodon's status HTML back to text: ``<p>`` paragraphs, ``<br>`` breaks, link hrefs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str] = []
        self._href: str | None = None  # inside a web link: its full URL replaces the shown text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.out.append("\n")
        elif tag == "p" and self.out:
            self.out.append("\x00")
        elif tag == "a":
            values = dict(attrs)
            classes = (values.get("class") or "").split()
            href = values.get("href") or ""
            if href.startswith(("http://", "https://")) and not {"mention", "hashtag", "u-url"} & set(classes):
                self._href = href
                self.links.append(href)
                self.out.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._href is None:
            self.out.append(data)
