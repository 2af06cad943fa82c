"""Provide the plain-text reader, for an issue copied out of an email or a web page.

Line 1 is the title and line 2 the subtitle; after that each line is a paragraph (a
hard-wrapped paragraph is joined back together) and section headings are recognised by their
shape: short Title-Case lines, maybe with a leading emoji or a trailing colon ("Tales of the
Twitterverse:", "🌎Out in the World of Tech"). "Paperswithoutcode: a new platform to ..." is an
item: it has a colon inside and lower-case words.
"""

from __future__ import annotations

import re

from bot.newsletter import items as rules
from bot.newsletter.blocks import Block, Break, Heading, Para
from bot.newsletter.builder import build_issue
from bot.newsletter.furniture import is_ask, is_chrome, is_greeting, is_sign_off
from bot.newsletter.model import Issue, Link

MAX_HEADING_WORDS = 8
MAX_HEADING_CHARS = 70
# Words a Title-Case heading leaves in lower case.
_MINOR = frozenset(
    """a an and as at but by for from in into nor of on or per the to vs via with""".split()
)
_BULLET = re.compile(r"^(?:[-*•·▪‣–]|\d{1,3}[.)])\s+")
_RULE = re.compile(r"^(?:[-*_=~•#]\s*){3,}$")
_WORD_EDGE = re.compile(r"^\W+|\W+$")
_ENDS_SENTENCE = re.compile(r"[.!?:;\"”’)\]]$")


def parse_text(text: str, *, source: str, fallback_title: str = "") -> Issue:
    lines = [line.strip() for line in text.splitlines()]
    content = [i for i, line in enumerate(lines) if line]
    if not content:
        return build_issue([], title="", source=source, fallback_title=fallback_title)
    title = rules.squash(lines[content[0]])
    subtitle, start = "", content[0] + 1
    if len(content) > 1:
        second = lines[content[1]]
        if not (looks_like_heading(second) or is_greeting(second) or is_chrome(second) or is_ask(second)):
            subtitle, start = rules.squash(second), content[1] + 1
    return build_issue(
        text_blocks(lines[start:]), title=title, subtitle=subtitle, source=source, fallback_title=fallback_title
    )


def text_blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    previous = ""  # the line before, "" after a blank line or a heading
    for raw in lines:
        bullet = bool(_BULLET.match(raw.strip()))
        line = _BULLET.sub("", raw.strip())
        if not line:
            previous = ""
        elif _RULE.match(line):
            blocks.append(Break())
            previous = ""
        elif not is_sign_off(line) and looks_like_heading(line):
            blocks.append(Heading(line))
            previous = ""
        elif previous and _continues(previous, line) and isinstance(blocks[-1], Para):
            joined = f"{blocks[-1].text} {line}"
            blocks[-1] = _para(joined, list_item=blocks[-1].list_item)
            previous = line
        else:
            blocks.append(_para(line, list_item=bullet))
            previous = line
    return blocks


def _continues(previous: str, line: str) -> bool:
    """A hard-wrapped paragraph: the line before did not end a sentence and this one starts
    in lower case."""
    return not _ENDS_SENTENCE.search(previous) and line[:1].islower()


def _para(text: str, *, list_item: bool = False) -> Para:
    links = []
    for url in rules.bare_urls(text):
        start = text.find(url)
        links.append(Link(url=url, text=url, start=start, end=start + len(url)))
    return Para(text, tuple(links), list_item=list_item)


def looks_like_heading(line: str) -> bool:
    """Whether a plain-text line is a section heading (short, Title Case, no sentence)."""
    _, text = rules.leading_marker(line.strip())
    text = text[:-1].rstrip() if text.endswith(":") else text
    words = text.split()
    if not words or len(words) > MAX_HEADING_WORDS or len(text) > MAX_HEADING_CHARS:
        return False
    if any(ch in text for ch in ":;[]@|") or "http" in text or text[-1] in ".!?,":
        return False
    for position, word in enumerate(words):
        core = _WORD_EDGE.sub("", word)
        if not core or not core[0].isalpha():
            continue
        if core[0].islower() and (position == 0 or core.lower() not in _MINOR):
            return False
    return any(ch.isalpha() for ch in text)
