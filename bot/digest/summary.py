"""Provide :func:`one_line`: a one-line summary of a thread made from its own posts.

No outside AI service: the summary is the thread's most informative sentence that is not
its title, cleaned of links, mentions, hashtags and thread markers, cut at a word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_URL = re.compile(r"https?://\S+")
_NOISE = re.compile(r"(^|\s)(@[\w.]+|#\w+)(?=\s|$)|🧵|\(?\b\d{1,2}/\d{1,2}\b\)?|^\s*\d+[./)]\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"'(])")
MAX_CHARS = 160


def clean(text: str) -> str:
    text = _URL.sub("", text)
    text = _NOISE.sub(" ", text)
    return " ".join(text.split()).strip(" -–—:·")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(clean(text)) if s.strip()]


def one_line(title: str, posts: Sequence[str], *, replies: Sequence[str] = ()) -> str:
    """The first sentence of substance (six words or more) that does not repeat the title."""
    seen_title = clean(title).lower()
    for source in (posts, replies):
        for post in source:
            for sentence in sentences(post):
                if len(sentence.split()) >= 6 and sentence.lower() not in seen_title \
                        and seen_title not in sentence.lower():
                    return shorten(sentence)
    return shorten(clean(title))


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:-–— ")
    return cut + "…"
