"""Provide the text rules every reader shares: item markers and tags, issue numbers, squashed
whitespace, section headings' decoration and bare URLs. What counts as furniture (greetings,
asks, sign-offs) is :mod:`bot.newsletter.furniture`'s; the title's topics are
:func:`bot.compose.highlights.title_topics`.
"""

from __future__ import annotations

import re

import regex

# A leading run of emoji graphemes (🤯, ❤️, 👩‍🔬, flags): the author's flag on an item.
_MARKER = regex.compile(
    r"^(?:(?=\p{Extended_Pictographic}|\p{Regional_Indicator})\X)+",
)
# ``[Arxiv]``, ``[Nature Communications]``, ``[CSET@Georgetown]``: a short source label.
_TAG = re.compile(r"^\[([^\[\]]{1,40})\]\s*")
_SPACE = re.compile(r"\s+")
_URL = re.compile(r"https?://[^\s<>\[\]\"'`]+", re.IGNORECASE)
_NUMBER = (
    re.compile(r"#\s?(\d{1,5})\b"),
    re.compile(r"\b(?:issue|no\.?|nr\.?|number|edition|vol\.?|volume|ep\.?|episode)\s*#?\s*(\d{1,5})\b", re.IGNORECASE),
    # "Import AI 329: ...", "Artifacts Log 2: ...": a name, its number, a colon.
    regex.compile(r"^\s*\p{L}[\p{L}\p{N}'’&.-]*(?:\s+\p{L}[\p{L}'’&.-]*){0,4}\s+(\d{1,5})\s*[:|–—-]\s"),
)



def squash(text: str) -> str:
    """Collapse runs of whitespace (including newlines and NBSP) to single spaces."""
    return _SPACE.sub(" ", text).strip()


def leading_marker(text: str) -> tuple[str | None, str]:
    """Split a leading emoji run off ``text``: ``("🤯", "NVIDIA VP ...")``."""
    match = _MARKER.match(text)
    if not match:
        return None, text
    return match.group(0), text[match.end() :].lstrip()


def split_item(text: str) -> tuple[str | None, str | None, str]:
    """Split an item's text into its emoji marker, ``[Source]`` tag and the rest."""
    marker, rest = leading_marker(text)
    tag, rest = _leading_tag(rest)
    if tag and marker is None:
        marker, rest = leading_marker(rest)
    return marker, tag, rest


def _leading_tag(text: str) -> tuple[str | None, str]:
    match = _TAG.match(text)
    if not match:
        return None, text
    label, rest = match.group(1).strip(), text[match.end() :]
    # A bracketed sentence ("[The report is here]") or a bare "[paper]" is not a source tag.
    if not rest.strip() or not label or len(label.split()) > 4:
        return None, text
    return label, rest


def issue_number(title: str) -> int | None:
    """The issue number a title carries: ``ML4Sci #33: ...``, ``No. 33``, ``Issue 33``,
    ``Import AI 329: ...`` -> the number."""
    for pattern in _NUMBER:
        match = pattern.search(title)
        if match:
            return int(match.group(1))
    return None


def clean_heading(text: str) -> str:
    """A section title without its decoration: leading emoji, trailing colon, emphasis marks."""
    _, text = leading_marker(squash(text))
    return text.strip("*_ ").rstrip(":").strip()


def bare_urls(text: str) -> list[str]:
    """The http(s) URLs written out in plain text, without trailing punctuation."""
    return [url.rstrip(".,;:!?)”’") for url in _URL.findall(text)]
