"""Provide :func:`one_line`: a one-line summary of a thread made from its own posts.

No outside AI service: the summary is the first sentence of substance (six words or more)
in the author's posts, else in the replies, that does not repeat the title; cleaned of links,
@mentions and thread markers (🧵, 1/5, (2/5)), cut at a word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_CHARS = 160
MIN_WORDS = 6

_URL = re.compile(r"\bhttps?://\S+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}/\S*", re.IGNORECASE)
_EMOJI_MARKERS = re.compile(r"[🧵👇⬇️]\ufe0f?")
# "1/4", "(2/5)", "3/" or "4/n" at the start or the end of a post: elsewhere it may be a fraction.
_COUNTER = r"\(?\d{1,2}/(?:\d{1,2}|n)?\)?"
_LEADING = re.compile(rf"^\s*(?:{_COUNTER}[.:]?\s+)")
_TRAILING = re.compile(rf"\s+{_COUNTER}\s*$")
_REPLY_TO = re.compile(r"^(?:@[\w.]+\s+)+")  # the mentions a reply starts with
_MENTION = re.compile(r"(?<![\w])@[\w.]+")
_BULLET = re.compile(r"^\s*(?:[*+>-]|\d+[.)])\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"'(])")


def tidy(text: str) -> str:
    """One line without links, thread markers or list bullets; mentions are kept."""
    text = _EMOJI_MARKERS.sub(" ", _URL.sub(" ", text))
    lines = [_BULLET.sub("", line) for line in text.splitlines()]
    text = " ".join(" ".join(lines).split())
    text = _TRAILING.sub("", _LEADING.sub("", text))
    return text.strip(" -–—:·,")


def sentences(post: str) -> list[str]:
    """The post's sentences, line by line, tidied; a reply's leading @mentions dropped."""
    out = []
    for line in post.splitlines():
        line = tidy(_REPLY_TO.sub("", tidy(line)))
        out += [s.strip() for s in _SENTENCE.split(line) if s.strip()]
    return out


def one_line(title: str, posts: Sequence[str], *, replies: Sequence[str] = ()) -> str:
    """The first sentence of substance that does not repeat the title, or ``""``."""
    seen = tidy(title).lower()
    for source in (posts, replies):
        for post in source:
            for sentence in sentences(post):
                lower = sentence.lower()
                if len(sentence.split()) < MIN_WORDS or _MENTION.search(sentence):
                    continue
                # a piece of the title, or the title again with more after it (a title of a
                # word or two is no evidence: "T" is in most sentences)
                if lower in seen or (len(seen.split()) >= 3 and seen in lower):
                    continue
                return shorten(sentence)
    return ""


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    """``text`` if it fits, else cut at the last whole word that does, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " ":  # the cut fell inside a word: drop that word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"
