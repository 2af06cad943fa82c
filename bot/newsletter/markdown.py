"""Provide the Markdown reader, for Substack exports run through Pandoc.

Those exports carry YAML front matter (title, subtitle, date, ``email_sent_at``), ATX headings
with ``{#id .class}`` attributes, and Pandoc fenced divs (``::: {.tweet attrs="{...}"}``) that
keep Substack's embed ``data-attrs``. Tweet and Bluesky divs become embeds; image, video,
footnote, button and widget divs are skipped; other divs are transparent. Block quotes and code
blocks are not items (a quote illustrates the item before it).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from bot.newsletter import embeds as embed_records
from bot.newsletter.builder import Block, EmbedBlock, Heading, Para, build_issue
from bot.newsletter.items import squash
from bot.newsletter.model import Embed, Issue, Link
from bot.timeutil import iso, parse_iso

_FENCE_DIV = re.compile(r"^\s*(:{3,})\s*(.*?)\s*:*\s*$")
_CODE_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_ATX = re.compile(r"^\s{0,3}(#{1,6})(?:\s+(.*?))?\s*$")
_HEADING_ATTRS = re.compile(r"\s*\{[^{}]*\}\s*$")
_BREAK = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_HTML_LINE = re.compile(r"^\s*</?[A-Za-z][^>]*>\s*$")
_LIST = re.compile(r"^(\s*)(?:[-*+]|\d{1,9}[.)])\s+(.*)$")
_QUOTE = re.compile(r"^\s{0,3}>")
_ATTR_VALUE = re.compile(r'([\w-]+)="((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_EMPHASIS = re.compile(r"(?<![\w\\])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?![\w])")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_SKIPPED_DIVS = (
    "youtube-wrap",
    "vimeo-wrap",
    "image2-inset",
    "image-link-expand",
    "captioned-image-container",
    "footnote",
    "button-wrapper",
    "captioned-button-wrap",
    "subscription-widget",
    "pencraft",
    "embedded-post",
    "poll-embed",
    "tweet-",
)
_PRIVATE = 0xE000  # escaped punctuation is parked in the Private Use Area while parsing


@dataclass
class _State:
    blocks: list[Block] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the paragraph being read
    in_list: bool = False  # the open paragraph is a list item (indented lines continue it)
    quote: bool = False  # inside a block quote until the next blank line
    divs: list[bool] = field(default_factory=list)  # open fenced divs: skipped or not
    code: str | None = None  # the open code fence


def parse_markdown(text: str, *, source: str, fallback_title: str = "") -> Issue:
    meta, body = front_matter(text)
    blocks = markdown_blocks(body)
    title = meta.get("title", "")
    if not title and blocks and isinstance(blocks[0], Heading):
        title, blocks = squash(blocks[0].text), blocks[1:]
    return build_issue(
        blocks,
        title=title or fallback_title,
        subtitle=meta.get("subtitle", ""),
        url=meta.get("canonical_url") or meta.get("url") or None,
        published_at=_published(meta),
        image=meta.get("cover_image") or meta.get("image") or None,
        source=source,
    )


def front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split YAML front matter (flat ``key: value`` lines) from the body."""
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}, text
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        key, colon, value = line.partition(":")
        if colon and key.strip() and not key.startswith((" ", "\t", "-")):
            meta[key.strip()] = _scalar(value.strip())
    return meta, "\n".join(lines[end + 1 :])


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
    state = _State()
    for line in body.split("\n"):
        _line(state, line.rstrip("\r"))
    _flush(state)
    return state.blocks


def _line(state: _State, line: str) -> None:
    if state.code is not None:
        if line.strip().startswith(state.code):
            state.code = None
        return
    if fence := _FENCE_DIV.match(line):
        _fence(state, fence.group(2))
        return
    if any(state.divs):
        return
    if code := _CODE_FENCE.match(line):
        _flush(state)
        state.code = code.group(1)
        return
    if not line.strip():
        state.quote = False
        if state.in_list:
            state.lines.append("")  # a loose list: indented lines after it still continue the item
        else:
            _flush(state)
        return
    if state.quote or _QUOTE.match(line):
        _flush(state)
        state.quote = True
        return
    _content(state, line)


def _content(state: _State, line: str) -> None:
    if heading := _ATX.match(line):
        _flush(state)
        state.blocks.append(Heading(_inline(_HEADING_ATTRS.sub("", heading.group(2) or ""))[0]))
    elif _BREAK.match(line) or _HTML_LINE.match(line):
        _flush(state)
    elif item := _LIST.match(line):
        _flush(state)
        state.lines, state.in_list = [item.group(2)], True
    elif state.in_list and state.lines and not line.startswith(("  ", "\t")) and _blank_before(state):
        _flush(state)  # an unindented paragraph after a blank line ends the list item
        state.lines = [line]
    else:
        state.lines.append(line)


def _blank_before(state: _State) -> bool:
    return bool(state.lines) and state.lines[-1] == ""


def _fence(state: _State, spec: str) -> None:
    if not spec:  # a closing fence
        if state.divs:
            state.divs.pop()
        return
    _flush(state)
    if any(state.divs):
        state.divs.append(True)
        return
    classes, attrs = _div_attrs(spec)
    embed = _div_embed(classes, attrs)
    if embed:
        state.blocks.append(EmbedBlock(embed))
    skip = embed is not None or any(
        c.startswith(_SKIPPED_DIVS) or c in ("tweet", "twitter-embed", "bluesky-wrap") for c in classes
    )
    state.divs.append(skip)


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


def _flush(state: _State) -> None:
    lines = [line for line in state.lines if line.strip()]
    state.lines, state.in_list = [], False
    if lines:
        text, links = _inline(" ".join(line.strip().rstrip("\\") for line in lines))
        state.blocks.append(Para(text, links))


def _inline(source: str) -> tuple[str, tuple[Link, ...]]:
    """Render inline Markdown to plain text and the links it holds."""
    text = _ESCAPE.sub(lambda m: chr(_PRIVATE + ord(m.group(1))), source)
    text = _AUTOLINK.sub(lambda m: f"[{m.group(1)}]({m.group(1)})", text)
    links: list[Link] = []
    text = _links(text, links)
    return _plain(text), tuple(Link(url=_restore(link.url), text=_plain(link.text)) for link in links)


def _plain(text: str) -> str:
    return squash(html.unescape(_restore(_EMPHASIS.sub("", _TAG.sub("", text)).replace("`", ""))))


def _restore(text: str) -> str:
    return "".join(chr(ord(c) - _PRIVATE) if _PRIVATE <= ord(c) < _PRIVATE + 128 else c for c in text)


def _links(text: str, links: list[Link]) -> str:
    """Replace ``[text](url){attrs}``, ``![alt](src)`` and ``[text]{.class}`` by their text."""
    out: list[str] = []
    i = 0
    while i < len(text):
        image = text.startswith("![", i)
        start = i + 1 if image else i
        if start >= len(text) or text[start] != "[":
            out.append(text[i])
            i += 1
            continue
        close = _matching(text, start, "[", "]")
        if close is None:
            out.append(text[i])
            i += 1
            continue
        label, after = text[start + 1 : close], close + 1
        url = None
        if after < len(text) and text[after] == "(":
            end = _matching(text, after, "(", ")")
            if end is None:  # an unbalanced "(" inside the URL (Wikipedia's #:~:text= links)
                end = text.find(")", after)
                end = end if end > 0 and " " not in text[after:end] else None
            if end is not None:
                url, after = text[after + 1 : end].split(' "')[0].strip().strip("<>"), end + 1
        if after < len(text) and text[after] == "{":
            end = _matching(text, after, "{", "}")
            after = end + 1 if end is not None else after
        if url is None and after == close + 1:
            out.append(text[i])  # a plain bracket, not a link or span
            i += 1
            continue
        rendered = "" if image or (url or "").startswith("#footnote") else _links(label, links)
        if url and rendered and url.startswith(("http://", "https://")):
            links.append(Link(url=url, text=rendered))
        out.append(rendered)
        i = after
    return "".join(out)


def _matching(text: str, start: int, opening: str, closing: str) -> int | None:
    depth = 0
    for j in range(start, len(text)):
        if text[j] == opening:
            depth += 1
        elif text[j] == closing:
            depth -= 1
            if depth == 0:
                return j
    return None
