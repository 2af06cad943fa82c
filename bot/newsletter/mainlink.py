"""Provide :func:`choose_main_link`: the one link a post about a story carries, on evidence.

In order: a link the author labelled ("Read more", "Paper", "Code", "[link]"), the link on the
headline, the link the story's ``[Source]`` tag names, else the first link to content. Never a
footnote anchor, a profile, share, subscribe, comment or app link, an image, or an aside (a
link in parentheses, or after "via", "h/t", "see also").
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import msgspec

from bot.newsletter.linkkinds import link_kind
from bot.newsletter.model import Link

# Link texts that only ever point: "Paper", "Code", "[link]", "Read more", "here".
_LABELS = frozenset(
    """read more|more|read|read it|full story|paper|the paper|papers|preprint|arxiv|pdf|code|the code|
    github|repo|repository|data|dataset|datasets|the data|link|links|here|demo|try it|slides|video|
    project page|weights|docs|documentation|source|sources""".replace("\n", "").split("|")
)
# Nouns that point only when the author sets them apart: "[article]", "(report)", "Post: ...".
_SET_APART = frozenset(
    """article|the article|post|blog|blog post|the post|report|the report|technical report|website|project|
    talk|thread|announcement|model|models|release|release notes|press release|study|the study|podcast|
    episode|interview|tweet|story|the story|huggingface|hf""".replace("\n", "").split("|")
)
# Pattern texts, compiled on first use through re's own cache: an issue whose links have no
# words before them never pays for compiling these.
_LABEL_BEFORE = (
    r"(?:read (?:more|it|the \w+)|more|paper|code|data(?:set)?|link|pdf|source|article|report|repo|project page|demo|blog(?: post)?)"
    r"(?:\s+(?:in|at|on|about|from|here|via))?(?:\s+(?:the|this|our|their|his|her))?\s*[:\-–—(\[]?\s*$"
)
_ASIDE_BEFORE = (
    r"(?:\bvia|\bh/t|\bht|\bhat tip(?: to)?|\bthanks to|\bsee also|\bcf\.|\bpreviously|\brelated:|\bcredit:?)\s*[:@]?\s*$"
)
_WORD = re.compile(r"[a-z0-9]+")


class Placed(msgspec.Struct, frozen=True):
    """A link in its paragraph: the paragraph's text and whether the link is on the headline."""

    link: Link
    text: str
    headline: bool = False


def choose_main_link(placed: list[Placed], *, tag: str | None = None) -> tuple[str | None, str]:
    """The main link and why it was chosen (``"labelled 'Paper'"``, ``"on the headline"``, ...)."""
    usable = [p for p in placed if _usable(p.link)]
    for p in usable:
        if _labelled(p):
            return p.link.url, f"labelled {p.link.text or 'link'!r}"
    for p in usable:
        if p.headline and not _aside(p) and link_kind(p.link.url) in ("content", "home"):
            return p.link.url, "on the headline"
    if tag:
        words = set(_WORD.findall(tag.lower()))
        for p in usable:
            host = (urlsplit(p.link.url).hostname or "").lower()
            if words and any(w in host for w in words if len(w) > 2) and not _aside(p):
                return p.link.url, f"named by its tag [{tag}]"
    for p in usable:
        if link_kind(p.link.url) == "content" and not _aside(p):
            return p.link.url, "first link to content"
    return None, "no link to content"


def _usable(link: Link) -> bool:
    return not link.image and link_kind(link.url) in ("content", "home")


def _labelled(p: Placed) -> bool:
    raw = p.link.text.strip()
    shown = raw.strip(" []()").lower()
    if shown in _LABELS:
        return True
    if shown in _SET_APART and p.link.start >= 0:
        around = p.text[max(0, p.link.start - 2) : p.link.start] + p.text[p.link.end : p.link.end + 1]
        if raw[:1] in "[(" or "[" in around or "(" in around or around.rstrip().endswith(":"):
            return True
    before = p.text[max(0, p.link.start - 40) : p.link.start] if p.link.start >= 0 else ""
    return bool(before) and bool(re.search(_LABEL_BEFORE, before, re.IGNORECASE)) and link_kind(p.link.url) == "content"


def _aside(p: Placed) -> bool:
    if p.link.start < 0:
        return False
    before = p.text[: p.link.start]
    if before.count("(") > before.count(")"):
        return True
    return bool(re.search(_ASIDE_BEFORE, before[-24:], re.IGNORECASE))
