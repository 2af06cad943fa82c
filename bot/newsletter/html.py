"""Provide the HTML reader: a Substack post page, or the ``content:encoded`` fragment of a feed.

Headings (``h1``-``h6``, including Substack's ``h2.header-anchor-post``) open sections; ``p``
and list items become items. Dropped on the way: buttons and share widgets, subscription
widgets, captioned images (a caption is not an item), footnote anchors and footnotes, video
embeds, tables and forms, block quotes (a quote illustrates the item before it). Tweets and
Bluesky posts become :class:`~bot.newsletter.model.Embed` records.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin

from bot.newsletter import embeds as embed_records
from bot.newsletter.blocks import Block, Break, EmbedBlock, Heading, TextBuilder, paragraph
from bot.newsletter.builder import build_issue
from bot.newsletter.items import squash
from bot.newsletter.model import Embed, Issue
from bot.newsletter.html_meta import page_meta

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_PARAGRAPHS = frozenset({"p", "pre", "dd", "dt"})
_LIST_ITEMS = frozenset({"li"})
_BOLD = frozenset({"strong", "b"})
_BLOCKISH = frozenset({"p", "div", "li", "ul", "ol", "br", "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "section"})
_INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "br",
        "cite",
        "code",
        "del",
        "em",
        "i",
        "ins",
        "kbd",
        "mark",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "wbr",
    }
)
_DROP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "form",
        "button",
        "input",
        "select",
        "textarea",
        "figure",
        "picture",
        "img",
        "iframe",
        "svg",
        "video",
        "audio",
        "nav",
        "footer",
        "aside",
        "blockquote",
    }
)
_DROP_CLASS_PREFIXES = (
    "button-wrapper",
    "captioned-button-wrap",
    "subscription-widget",
    "subscribe-widget",
    "captioned-image-container",
    "image2-inset",
    "image-link",
    "image-gallery",
    "footnote",
    "header-anchor-parent",
    "share-",
    "post-ufi",
    "youtube-wrap",
    "vimeo-wrap",
    "embedded-post",
    "digest-post-embed",
    "poll-embed",
    "install-substack-app",
    "paywall",
    "file-embed",
)
_DROP_COMPONENTS = frozenset(
    {
        "ButtonCreateButton",
        "SubscribeWidgetToDOM",
        "SubscribeWidget",
        "CaptionedButtonToDOM",
        "Image2ToDOM",
        "ImageGallery",
        "FootnoteToDOM",
        "FootnoteAnchorToDOM",
        "Youtube2ToDOM",
        "EmbeddedPostToDOM",
        "PollToDOM",
        "InstallSubstackAppToDOM",
        "PaywallToDOM",
    }
)
_TWEET_COMPONENTS = frozenset({"Twitter2ToDOM", "TwitterToDOM", "TweetToDOM"})
_BYLINE = re.compile(r"[—–-]\s*([^—–()]+?)\s*\(\s*@([\w.:-]+)\s*\)")
_CONTENT_SELECTORS = (".available-content .body.markup", ".body.markup", "article", "main", "body")


def parse_page(text: str, *, source: str, url: str | None = None, fallback_title: str = "") -> Issue:
    """Read a whole page (or a bare fragment) as one issue; metadata comes from its ``<head>``."""
    soup = _soup(text)
    meta = page_meta(soup)
    root = next((found for sel in _CONTENT_SELECTORS if (found := soup.select_one(sel))), soup)
    blocks = blocks_from(root, base_url=url)
    title = meta["title"] or ""
    site = meta["site_name"] or ""
    h1s = [(i, b) for i, b in enumerate(blocks[:12]) if isinstance(b, Heading) and b.level == 1 and b.text]
    first_h1 = next(((i, b.text) for i, b in h1s if squash(b.text) != title), None)
    if first_h1 is not None and (not title or (meta["from_title_tag"] and squash(first_h1[1]) != title)):
        # A fragment whose h1 is its title, or a page whose <title> is only its site's name.
        at, text = first_h1
        site = site or (title if title and squash(text).find(title) < 0 else "")
        title, blocks = text, blocks[:at] + blocks[at + 1 :]
    first = blocks[0] if blocks else None
    if isinstance(first, Heading) and squash(first.text) == squash(title):
        blocks = blocks[1:]  # the post title repeated at the top of the article
    return build_issue(
        blocks,
        title=title,
        fallback_title=fallback_title,
        subtitle=meta["subtitle"],
        url=meta["url"] or url,
        published_at=meta["published_at"],
        image=meta["image"],
        newsletter=site,
        source=source,
    )


def fragment_blocks(html: str, *, base_url: str | None = None) -> list[Block]:
    """The blocks of an HTML fragment (a feed item's body, Substack's ``body_html``)."""
    return blocks_from(_soup(html), base_url=base_url)


def blocks_from(root: Any, *, base_url: str | None = None) -> list[Block]:
    out: list[Block] = []
    _walk(root, out, base_url)
    return out


def _soup(text: str) -> Any:
    from bs4 import BeautifulSoup

    return BeautifulSoup(text, "html.parser")


def _walk(node: Any, out: list[Block], base_url: str | None) -> None:
    from bs4 import NavigableString, Tag

    inline: list[Any] = []
    for child in node.children:
        if isinstance(child, Tag) and child.name not in _INLINE:
            _flush(inline, out, base_url)
            _block(child, out, base_url)
        elif isinstance(child, Tag) or type(child) is NavigableString:
            inline.append(child)  # loose text and inline tags in a container: one paragraph
    _flush(inline, out, base_url)


def _block(tag: Any, out: list[Block], base_url: str | None) -> None:
    is_embed, embed = _embed(tag)
    if is_embed:
        if embed:
            out.append(EmbedBlock(embed))
    elif tag.name == "hr":
        out.append(Break())
    elif _dropped(tag):
        return
    elif tag.name in _HEADINGS:
        text, links, _ = _inline([tag], base_url)
        out.append(Heading(text, int(tag.name[1]), links))
    elif tag.name in _PARAGRAPHS:
        _para(_inline([tag], base_url), out)
    elif tag.name in _LIST_ITEMS and not _has_blocks(tag):
        _para(_inline([tag], base_url), out, list_item=True)
    elif tag.name in _LIST_ITEMS:
        _para(_inline(list(_item_text(tag)), base_url), out, list_item=True)
        for child in tag.children:  # embeds and nested blocks that are not text (a tweet in an item)
            if getattr(child, "name", None) and _embed(child)[0]:
                _block(child, out, base_url)
    else:
        _walk(tag, out, base_url)


def _has_blocks(tag: Any) -> bool:
    return any(getattr(child, "name", None) in ("div", "figure", "blockquote") for child in tag.children)


def _item_text(tag: Any) -> Any:
    for child in tag.children:
        if not (getattr(child, "name", None) and _embed(child)[0]):
            yield child


def _para(built: tuple[str, tuple[Any, ...], int], out: list[Block], *, list_item: bool = False) -> None:
    block = paragraph(*built, list_item=list_item)
    if block is not None:
        out.append(block)


def _flush(inline: list[Any], out: list[Block], base_url: str | None) -> None:
    if inline:
        _para(_inline(inline, base_url), out)
        inline.clear()


def _dropped(tag: Any) -> bool:
    if tag.name in _DROP_TAGS or tag.get("data-component-name") in _DROP_COMPONENTS:
        return True
    if tag.name == "table" and tag.find("th") is not None:
        return True  # a data table; emails lay out their whole body in tables without headers
    return any(cls.startswith(_DROP_CLASS_PREFIXES) for cls in tag.get("class") or ())


def _inline(nodes: list[Any], base_url: str | None) -> tuple[str, tuple[Any, ...], int]:
    builder = TextBuilder()
    _collect(nodes, builder, base_url)
    return builder.build()


def _collect(nodes: Any, builder: TextBuilder, base_url: str | None) -> None:
    from bs4 import NavigableString, Tag

    for node in nodes:
        if type(node) is NavigableString:
            builder.add(str(node))
        elif not isinstance(node, Tag) or _dropped(node) and not _image_link(node):
            continue
        elif node.name == "br":
            builder.add(" ")
        elif node.name == "sup" and re.fullmatch(r"\s*\[?\d{1,3}\]?\s*", node.get_text()):
            continue  # a footnote marker
        elif node.name == "a" and node.get("href"):
            start = builder.mark()
            _collect(node.children, builder, base_url)
            href = urljoin(base_url or "", str(node["href"]).strip())
            if href.startswith(("http://", "https://")):
                builder.link(start, href, image=node.find("img") is not None)
        elif node.name in _BOLD and builder.at_start():
            _collect(node.children, builder, base_url)
            if builder.lead_end is None and builder.mark():
                builder.lead_end = builder.mark()
        else:
            if node.name in _BLOCKISH:
                builder.add(" ")
            _collect(node.children, builder, base_url)
            if node.name in _BLOCKISH:
                builder.add(" ")


def _image_link(node: Any) -> bool:
    return node.name == "a" and node.get("href") and node.find("img") is not None


def _attrs(tag: Any) -> dict[str, Any]:
    try:
        value = json.loads(tag.get("data-attrs") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _embed(tag: Any) -> tuple[bool, Embed | None]:
    """Whether ``tag`` is an embedded post, and the post if it can be read."""
    classes = set(tag.get("class") or ())
    if classes & {"tweet", "twitter-embed"} or tag.get("data-component-name") in _TWEET_COMPONENTS:
        return True, embed_records.tweet_from_attrs(_attrs(tag)) or _tweet_from_links(tag)
    if tag.name == "blockquote" and "twitter-tweet" in classes:
        return True, _native_tweet(tag)
    if "bluesky-wrap" in classes:
        return True, embed_records.bluesky_from_attrs(_attrs(tag))
    if tag.name == "blockquote" and "bluesky-embed" in classes:
        name, handle = _byline(tag)
        text = squash(tag.p.get_text(" ")) if tag.p else ""
        uri = tag.get("data-bluesky-uri") or ""
        return True, embed_records.bluesky_from_uri(uri, text=text, name=name, handle=handle)
    return False, None


def _tweet_from_links(tag: Any) -> Embed | None:
    for anchor in tag.find_all("a", href=True):
        parsed = embed_records.tweet_url(anchor["href"])
        if parsed:
            text = tag.select_one(".tweet-text")
            return embed_records.tweet_from_attrs(
                {"url": parsed[0], "full_text": text.get_text(" ") if text else ""}
            )
    return None


def _native_tweet(tag: Any) -> Embed | None:
    """Twitter's widget: ``<blockquote class="twitter-tweet"><p>…</p>— Name (@user) <a>date</a>``."""
    status = [a["href"] for a in tag.find_all("a", href=True) if embed_records.tweet_url(a["href"])]
    if not status:
        return None
    name, handle = _byline(tag)
    text = tag.p.get_text(" ") if tag.p else ""
    return embed_records.tweet_from_attrs(
        {"url": status[-1], "full_text": text, "name": name, "username": handle}
    )


def _byline(tag: Any) -> tuple[str, str]:
    """The author's name and handle from a widget's ``— Name (@handle) date`` line."""
    text = squash(tag.get_text(" "))
    match = _BYLINE.search(text)
    return (match[1], match[2]) if match else ("", "")
