"""Provide the post cards: each post as the platform will show it, for both the standalone
``bot preview --format html`` page and the review page of ``bot serve``.

A card has the account (display name, handle), the text with its links as the platform shows
them (X: the URL without its scheme, cut after 25 characters with "…", the full URL behind
it; Bluesky: the app's short form from the facets), the link card (X and Bluesky both show
the issue page's card with its cover image under the post that links it), the length against
the limit, and the story the post is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup, escape

import msgspec

from bot import platforms
from bot.compose.length import RULES
from bot.compose.measure import raw_text
from bot.compose.model import Card, Post, Thread
from bot.newsletter.model import Issue
from bot.weburl import is_web_url

LINK_DISPLAY_MAX = 25  # X shows a link as its URL without the scheme, cut with "…" past this


class Account(msgspec.Struct, frozen=True):
    name: str
    handle: str

    @property
    def initials(self) -> str:
        return "".join(word[0] for word in self.name.split()[:2]).upper() or "?"


class LinkCard(msgspec.Struct, frozen=True):
    uri: str
    title: str
    description: str = ""
    image: str | None = None

    @property
    def domain(self) -> str:
        return (urlsplit(self.uri).hostname or "").removeprefix("www.")


class CardPost(msgspec.Struct, frozen=True):
    platform: str
    position: int  # 0-based
    total: int
    role: str
    story: int | None
    raw: str  # what the author edits
    html: Markup  # the text as shown, links as anchors
    length: int
    limit: int
    bytes: int
    card: LinkCard | None
    cost: str = ""  # "$0.015" on a platform that charges per post

    @property
    def byte_limit(self) -> int | None:
        """The platform's second limit in UTF-8 bytes, if it has one (Bluesky)."""
        return getattr(RULES[self.platform], "byte_limit", None)

    @property
    def fits(self) -> bool:
        if self.byte_limit and self.bytes > self.byte_limit:
            return False
        return self.length <= self.limit

    @property
    def measure(self) -> str:
        text = f"{self.length}/{self.limit}"
        return text + (f" · {self.bytes}/{self.byte_limit} bytes" if self.byte_limit else "")

    @property
    def about(self) -> str:
        if self.role in ("opening", "closing"):
            return self.role
        if self.story is None:
            return self.role
        return f"story {self.story}" + (", continued" if self.role == "continuation" else "")


class CardThread(msgspec.Struct, frozen=True):
    platform: str
    name: str
    account: Account
    posts: list[CardPost] = msgspec.field(default_factory=list)
    cost: str = ""  # the thread's total and each link policy's, where posting is charged


def accounts(settings: Any, issue: Issue | None = None) -> dict[str, Account]:
    """Who posts, per platform: the newsletter's name (settings, else the issue's own) and the
    configured handles (else one made from that name)."""
    name = settings.newsletter_name or (issue.newsletter if issue else "") or "Newsletter"
    default = "".join(ch for ch in name.lower() if ch.isalnum() or ch == "_") or "newsletter"
    handles = {
        p.id: (settings.optional(p.handle_variable) if p.handle_variable else None) or default + p.handle_suffix
        for p in platforms.registry() if p.posts
    }
    return {p: Account(name, "@" + h.lstrip("@")) for p, h in handles.items()}


def link_display(url: str) -> str:
    """A URL as a post shows a link written out in full: no scheme, cut with "…" (X's way)."""
    shown = url.split("://", 1)[-1].removeprefix("www.")
    return shown if len(shown) <= LINK_DISPLAY_MAX else shown[:LINK_DISPLAY_MAX] + "…"


def card_threads(
    issue: Issue, threads: Mapping[str, Thread], *, accounts: Mapping[str, Account],
    costs: Mapping[str, Any] | None = None,
) -> list[CardThread]:
    from bot.costs import cost_line, usd

    out = []
    issue_card = _issue_card(issue, threads)
    for platform, thread in threads.items():
        account = accounts.get(platform) or Account("ML4Sci", "@ml4sci")
        total = len(thread.posts)
        posts = [_card_post(platform, n, total, post, issue_card) for n, post in enumerate(thread.posts)]
        cost = (costs or {}).get(platform)
        if cost is not None:
            posts = [msgspec.structs.replace(p, cost=usd(c)) for p, c in zip(posts, cost.posts)]
        out.append(CardThread(platform, platforms.name(platform), account, posts,
                              cost_line(platform, cost) if cost is not None else ""))
    return out


def _issue_card(issue: Issue, threads: Mapping[str, Thread]) -> Card | None:
    """The issue page's card: the one composition gave a thread, else made from the issue."""
    for thread in threads.values():
        for post in thread.posts:
            if post.card:
                return post.card
    return Card(uri=issue.url, title=issue.title, description=issue.subtitle,
                image_url=issue.image) if issue.url else None


def _card_post(platform: str, position: int, total: int, post: Post, issue_card: Card | None) -> CardPost:
    card = post.card
    if card is None and issue_card and post.links and post.links[-1] in (issue_card.uri,):
        card = issue_card  # X shows the card of the last link in a post
    link_card = LinkCard(card.uri, card.title, card.description, card.image_url) if card else None
    return CardPost(platform, position, total, post.role, post.item_index, raw_text(post),
                    text_html(platform, post.text, link_spans(platform, post)), post.length,
                    post.limit, post.byte_length, link_card)


def link_spans(platform: str, post: Post) -> list[tuple[int, int, str, str]]:
    """(start, end, href, shown) character spans of the links in the post's text: a faceted
    post's (Bluesky) as its facets say, else each link written out (X, Mastodon)."""
    if post.facets:
        data = post.text.encode("utf-8")
        spans = []
        for facet in sorted(post.facets, key=lambda f: f.byte_start):
            start = len(data[: facet.byte_start].decode("utf-8"))
            end = len(data[: facet.byte_end].decode("utf-8"))
            spans.append((start, end, facet.uri, post.text[start:end]))
        return spans
    spans, cursor = [], 0
    for link in post.links:
        start = post.text.find(link, cursor)
        if start >= 0:
            href = link if "://" in link else f"https://{link}"
            spans.append((start, start + len(link), href, link_display(link)))
            cursor = start + len(link)
    return spans


def text_html(platform: str, text: str, spans: list[tuple[int, int, str, str]]) -> Markup:
    pieces, last = [], 0
    for start, end, href, shown in spans:
        if not is_web_url(href):  # never a javascript: or data: href, whatever reached here
            continue
        pieces.append(escape(text[last:start]))
        pieces.append(Markup('<a href="{0}" title="{0}">{1}</a>').format(href, shown))
        last = end
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces).replace("\n", Markup("<br>"))


@lru_cache(maxsize=1)
def environment():
    """The Jinja2 environment of the review templates (autoescaped)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
    )


def css() -> Markup:
    return Markup((Path(__file__).parent / "static" / "cards.css").read_text(encoding="utf-8"))


def preview_page(issue: Issue, threads: Mapping[str, Thread], *, accounts: Mapping[str, Account],
                 warnings: list[str], costs: Mapping[str, Any] | None = None) -> str:
    """The standalone page of ``bot preview --format html``: no script, its CSS inline."""
    return environment().get_template("preview.html").render(
        issue=issue, threads=card_threads(issue, threads, accounts=accounts, costs=costs),
        warnings=warnings,
        css=css(), editable=False)
