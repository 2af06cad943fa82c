"""Provide the Markdown reader: Substack exports run through Pandoc, Hugo/Jekyll posts, beehiiv
and Buttondown Markdown.

markdown-it-py does the CommonMark parsing; what is ours is the Pandoc layer around it:
YAML front matter (title, subtitle, date, ``email_sent_at``), ``{#id .class}`` attributes on
headings, links and spans, and fenced divs (``::: {.tweet attrs="{...}"}``) that keep
Substack's embed ``data-attrs``. Tweet and Bluesky divs become embeds; image, video, footnote,
button and widget divs are skipped; other divs are transparent. A body that is really HTML
(Substack's HTML pasted into a Jekyll post) is read by the HTML reader, with the front matter.
Block quotes and code blocks are not stories (a quote illustrates the story before it).
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.newsletter import embeds as embed_records
from bot.newsletter.blocks import Block, Break, EmbedBlock, Heading, TextBuilder, paragraph
from bot.newsletter.builder import build_issue
from bot.newsletter.model import Embed, Issue
from bot.timeutil import iso, parse_iso

_FENCE_DIV = re.compile(r"^\s*(:{3,})\s*(.*?)\s*:*\s*$")
_CODE_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_HEADING_ATTRS = re.compile(r"^(\s{0,3}#{1,6}\s.*?)\s*\{[^{}]*\}\s*$")
_LINK_ATTRS = re.compile(r"(\]\([^()\s]*(?:\([^()\s]*\))?[^()\s]*(?:\s+\"[^\"]*\")?\))\{[^{}\n]*\}")
_SPAN = re.compile(r"\[([^\[\]\n]*)\]\{[^{}\n]*\}")
_ATTR_VALUE = re.compile(r'([\w-]+)="((?:[^"\\]|\\.)*)"')
_HTML_BODY = re.compile(r"^\s*<(?:p|div|h[1-6]|ul|ol|figure|blockquote|table)[\s>]", re.IGNORECASE | re.MULTILINE)
_SKIPPED_DIVS = (
    "youtube-wrap", "vimeo-wrap", "image2-inset", "image-link-expand", "captioned-image-container",
    "footnote", "button-wrapper", "captioned-button-wrap", "subscription-widget", "pencraft",
    "embedded-post", "poll-embed", "tweet-", "player-unavailable", "youtube-inner", "iframe",
    "file-embed", "install-substack-app", "paywall", "digest-post-embed", "preformatted-block",
)
_TEMPLATE_TAG = re.compile(r"^\s*(?:\{%.*%\}|\{\{[<%].*[>%]\}\}|\{\{.*\}\})\s*$")
_REFERENCE_DEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
_EMBED_MARK = re.compile("^\ue000(\\d+)\ue001$")
_FOOTNOTE_TEXT = re.compile(r"^\s*(?:\[?\d{1,3}\]?|[*†‡])\s*$")


def parse_markdown(text: str, *, source: str, fallback_title: str = "") -> Issue:
    meta, body = front_matter(text)
    title = meta.get("title", "")
    if looks_like_html(body):
        from bot.newsletter.html import fragment_blocks

        blocks = fragment_blocks(body, base_url=meta.get("canonical_url") or meta.get("url") or None)
    else:
        blocks = markdown_blocks(body)
    if not title and blocks and isinstance(blocks[0], Heading):
        title, blocks = blocks[0].text, blocks[1:]
    return build_issue(
        blocks,
        title=title,
        fallback_title=fallback_title,
        subtitle=meta.get("subtitle", "") or meta.get("description", ""),
        url=meta.get("canonical_url") or meta.get("url") or meta.get("permalink") or None,
        published_at=_published(meta),
        image=meta.get("cover_image") or meta.get("image") or None,
        newsletter=meta.get("newsletter") or meta.get("publication") or meta.get("site") or "",
        source=source,
    )


def looks_like_html(body: str) -> bool:
    """A body written in HTML rather than Markdown (most of its blocks are HTML tags)."""
    tags = len(_HTML_BODY.findall(body))
    lines = sum(1 for line in body.split("\n") if line.strip())
    return tags >= 3 and tags * 4 >= min(lines, 40)


_META_LINE = re.compile(r"^([A-Za-z][\w -]{0,30}):\s*(.*)$")
_META_KEYS = frozenset(
    "title date description summary author authors tags category categories slug status subtitle modified lang url".split()
)


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split YAML front matter (flat ``key: value`` lines between ``---``), or Pelican's and
    MultiMarkdown's header lines (``Title: ...`` up to the first blank line), from the body."""
    if not text.startswith("---"):
        return _header_lines(text)
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}, text
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        key, colon, value = line.partition(":")
        if colon and key.strip() and not key.startswith((" ", "\t", "-")):
            meta[key.strip().lower()] = _scalar(value.strip())
    return meta, "\n".join(lines[end + 1 :])


def _header_lines(text: str) -> tuple[dict[str, str], str]:
    lines = text.split("\n")
    meta: dict[str, str] = {}
    for position, line in enumerate(lines):
        if not line.strip():
            break
        match = _META_LINE.match(line)
        if not match:
            return {}, text
        meta[match.group(1).strip().lower()] = match.group(2).strip()
    else:
        return {}, text
    if "title" not in meta or not set(meta) <= _META_KEYS:
        return {}, text
    return meta, "\n".join(lines[position + 1 :])


def _scalar(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return str(json.loads(value))
        except ValueError:
            return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value


def _published(meta: dict[str, str]) -> str | None:
    for key in ("email_sent_at", "post_date", "published_at", "date"):
        try:
            return iso(parse_iso(meta[key]))
        except (KeyError, ValueError):
            continue
    return None


def markdown_blocks(body: str) -> list[Block]:
    """The blocks of a Markdown body (Pandoc's extensions included)."""
    text, embeds = _pandoc_layer(body)
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return _Walker(embeds).walk(parser.parse(text))


def _pandoc_layer(body: str) -> tuple[str, list[Embed]]:
    """Resolve fenced divs (skipped, transparent or embeds) and strip ``{...}`` attributes."""
    out: list[str] = []
    embeds: list[Embed] = []
    divs: list[bool] = []  # open fenced divs: skipped or not
    code: str | None = None
    for line in body.split("\n"):
        line = line.rstrip("\r")
        if code is not None:
            if not any(divs):
                out.append(line)
            if line.strip().startswith(code):
                code = None
            continue
        fence = _FENCE_DIV.match(line)
        if fence:
            spec = fence.group(2)
            if not spec:
                if divs:
                    divs.pop()
            elif any(divs):
                divs.append(True)
            else:
                classes, attrs = _div_attrs(spec)
                embed = _div_embed(classes, attrs)
                if embed:
                    embeds.append(embed)
                    out.extend(["", f"\ue000{len(embeds) - 1}\ue001", ""])
                divs.append(embed is not None or any(c.startswith(_SKIPPED_DIVS) for c in classes)
                            or any(c in ("tweet", "twitter-embed", "bluesky-wrap") for c in classes))
            out.append("")
            continue
        if any(divs):
            continue
        if _TEMPLATE_TAG.match(line):
            out.append("")  # Jekyll/Liquid and Hugo template tags are never content
            continue
        if _REFERENCE_DEF.match(line) and out and out[-1].strip() and not _REFERENCE_DEF.match(out[-1]):
            out.append("")  # a definition cannot interrupt a paragraph in CommonMark; here it ends one
        if _CODE_FENCE.match(line):
            code = _CODE_FENCE.match(line).group(1)  # type: ignore[union-attr]
        line = _balance_destinations(line)
        line = _HEADING_ATTRS.sub(r"\1", line)
        line = _LINK_ATTRS.sub(r"\1", line)
        line = _SPAN.sub(r"\1", line)
        out.append(line)
    return "\n".join(out), embeds


_DESTINATION = re.compile(r"\]\((https?://[^\s)]*\([^\s]*)")
_OPEN_PAREN = "\ue028"  # a "(" parked inside a link destination whose parens do not balance
_PARKED = "%EE%80%A8"  # how markdown-it writes that character into an href


def _balance_destinations(line: str) -> str:
    """Park the unbalanced "(" of URLs like Wikipedia's ``#:~:text=Peta%20(%2F...`` links, which
    CommonMark would otherwise not read as links at all."""

    def park(match: re.Match[str]) -> str:
        url = match.group(1)
        if url.count("(") < url.count(")"):
            return match.group(0)  # balanced, with the link's own ")" after: CommonMark reads it
        end = url.find(")")
        if end < 0:
            return match.group(0)
        return "](" + url[:end].replace("(", _OPEN_PAREN) + url[end:]

    return _DESTINATION.sub(park, line)


def _div_attrs(spec: str) -> tuple[list[str], dict[str, Any]]:
    """Classes and the ``attrs`` JSON of ``{#id .a .b attrs="{...}"}`` (or a bare class name)."""
    if not spec.startswith("{"):
        return [spec.split()[0]], {}
    inner = spec.strip("{}")
    attrs: dict[str, Any] = {}
    for name, raw in _ATTR_VALUE.findall(inner):
        if name == "attrs":
            try:
                attrs = json.loads(re.sub(r"\\(.)", r"\1", raw))
            except ValueError:
                attrs = {}
    without_values = _ATTR_VALUE.sub("", inner)
    classes = [word[1:] for word in without_values.split() if word.startswith(".")]
    return classes, attrs if isinstance(attrs, dict) else {}


def _div_embed(classes: list[str], attrs: dict[str, Any]) -> Embed | None:
    if "tweet" in classes or "twitter-embed" in classes:
        return embed_records.tweet_from_attrs(attrs)
    if "bluesky-wrap" in classes:
        return embed_records.bluesky_from_attrs(attrs)
    return None


class _Walker:
    """markdown-it tokens to blocks: one :class:`Para` per paragraph or top-level list item."""

    def __init__(self, embeds: list[Embed]) -> None:
        self.embeds = embeds
        self.out: list[Block] = []

    def walk(self, tokens: list[Any]) -> list[Block]:
        depth = 0  # list nesting
        quote = 0
        item: TextBuilder | None = None  # the open top-level list item
        heading_level = 0
        for position, token in enumerate(tokens):
            kind = token.type
            if kind in ("bullet_list_open", "ordered_list_open"):
                depth += 1
            elif kind in ("bullet_list_close", "ordered_list_close"):
                depth -= 1
            elif kind == "blockquote_open":
                quote += 1
            elif kind == "blockquote_close":
                quote -= 1
            elif quote:
                continue
            elif kind == "list_item_open" and depth == 1:
                item = TextBuilder()
            elif kind == "list_item_close" and depth == 1 and item is not None:
                self._para(item, list_item=True)
                item = None
            elif kind == "heading_open":
                heading_level = int(token.tag[1:])
            elif kind == "hr":
                self.out.append(Break())
            elif kind == "html_block":
                self._html(token.content)
            elif kind == "inline":
                parent = tokens[position - 1].type if position else ""
                if parent == "heading_open":
                    builder = TextBuilder()
                    _inline(token.children or [], builder)
                    text, links, _ = builder.build()
                    self.out.append(Heading(text, heading_level, links))
                elif item is not None:
                    if not item.at_start():
                        item.add(" ")
                    _inline(token.children or [], item)
                else:
                    mark = _EMBED_MARK.match(token.content.strip())
                    if mark:
                        self.out.append(EmbedBlock(self.embeds[int(mark.group(1))]))
                        continue
                    builder = TextBuilder()
                    _inline(token.children or [], builder)
                    self._para(builder, quiet=_all_emphasis(token.children or []))
        return self.out

    def _para(self, builder: TextBuilder, *, list_item: bool = False, quiet: bool = False) -> None:
        block = paragraph(*builder.build(), list_item=list_item, quiet=quiet)
        if block is not None:
            self.out.append(block)

    def _html(self, content: str) -> None:
        from bot.newsletter.html import fragment_blocks

        if re.search(r"<hr\b", content, re.IGNORECASE) and not re.search(r"<p\b", content, re.I):
            self.out.append(Break())
            return
        self.out.extend(fragment_blocks(content))


def _all_emphasis(children: list[Any]) -> bool:
    """A paragraph set wholly in italics: an editor's note, not a story."""
    kinds = [c.type for c in children if not (c.type == "text" and not c.content.strip())]
    return len(kinds) > 2 and kinds[0] == "em_open" and kinds[-1] == "em_close" and kinds.count("em_open") == 1


def _inline(children: list[Any], builder: TextBuilder) -> None:
    """Render inline tokens into ``builder``: text, links with offsets, the bold lead-in."""
    links: list[tuple[int, str, bool]] = []
    strong_at: list[int] = []
    sup = 0
    for child in children:
        kind = child.type
        if kind == "text":
            if not (sup and _FOOTNOTE_TEXT.match(child.content)):
                builder.add(child.content)
        elif kind == "code_inline":
            builder.add(child.content)
        elif kind in ("softbreak", "hardbreak"):
            builder.add(" ")
        elif kind == "link_open":
            href = str(child.attrs.get("href", "")).replace(_PARKED, "(")
            links.append((builder.mark(), href, False))
            if href.startswith("#"):
                sup += 1  # a footnote anchor's number is not text
        elif kind == "link_close" and links:
            start, href, image = links.pop()
            if href.startswith("#"):
                sup -= 1
            elif href:
                builder.link(start, href, image=image)
        elif kind == "image":
            if links:
                start, href, _ = links[-1]
                links[-1] = (start, href, True)
        elif kind == "strong_open":
            strong_at.append(builder.mark() if builder.at_start() else -1)
        elif kind == "strong_close" and strong_at:
            if strong_at.pop() >= 0 and builder.lead_end is None:
                builder.lead_end = builder.mark()
        elif kind == "html_inline":
            tag = child.content.lower()
            if tag.startswith("<sup"):
                sup += 1
            elif tag.startswith("</sup") and sup:
                sup -= 1
            elif tag.startswith("<br"):
                builder.add(" ")
