"""Provide the text rules every reader shares: item markers and tags, issue numbers, squashed
whitespace, section headings' decoration and bare URLs. What counts as furniture (greetings,
asks, sign-offs) is :mod:`bot.newsletter.furniture`'s; the title's topics are
:func:`bot.compose.highlights.title_topics`.
"""

from __future__ import annotations

import re

from bot.graphemes import emoji_run_end, regex_pattern
from bot.graphemes_ranges import WHITE_SPACE

# A leading run of emoji graphemes (🤯, ❤️, 👩‍🔬, flags): the author's flag on an item. A regex
# module pattern, used only when bot.graphemes.emoji_run_end cannot tell alone (flags, ZWJ...).
_MARKER = r"^(?:(?=\p{Extended_Pictographic}|\p{Regional_Indicator})\X)+"
# ``[Arxiv]``, ``[Nature Communications]``, ``[CSET@Georgetown]``: a short source label.
_TAG = re.compile(r"^\[([^\[\]]{1,40})\]\s*")
_SPACE = re.compile(r"\s+")
_URL = re.compile(r"https?://[^\s<>\[\]\"'`]+", re.IGNORECASE)
_NUMBER = (
    re.compile(r"#\s?(\d{1,5})\b"),
    re.compile(r"\b(?:issue|no\.?|nr\.?|number|edition|vol\.?|volume|ep\.?|episode)\s*#?\s*(\d{1,5})\b", re.IGNORECASE),
)
# "Import AI 329: ...", "Artifacts Log 2: ...": a name, its number, a colon. A regex module
# pattern (\p{L}, \p{N}), tried after _NUMBER and only on a title _may_name_a_number.
_NAMED_NUMBER = r"^\s*\p{L}[\p{L}\p{N}'’&.-]*(?:\s+\p{L}[\p{L}'’&.-]*){0,4}\s+(\d{1,5})\s*[:|–—-]\s"
_NAMED_NUMBER_ENDS = frozenset(":|–—-")  # its separators; a match ends with one and a \s


def squash(text: str) -> str:
    """Collapse runs of whitespace (including newlines and NBSP) to single spaces."""
    return _SPACE.sub(" ", text).strip()


def leading_marker(text: str) -> tuple[str | None, str]:
    """Split a leading emoji run off ``text``: ``("🤯", "NVIDIA VP ...")``."""
    end = emoji_run_end(text)
    if end is None:
        match = regex_pattern(_MARKER).match(text)
        end = match.end() if match else 0
    if not end:
        return None, text
    return text[:end], text[end:].lstrip()


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
    if _may_name_a_number(title):
        named = regex_pattern(_NAMED_NUMBER).search(title)
        if named:
            return int(named.group(1))
    return None


def _may_name_a_number(title: str) -> bool:
    """Whether ``title`` has what every match of ``_NAMED_NUMBER`` ends with: one of its
    separators followed by white space (``regex``'s ``\\s``). Without it, ``regex`` is not needed."""
    return any(a in _NAMED_NUMBER_ENDS and b in WHITE_SPACE for a, b in zip(title, title[1:]))


def clean_heading(text: str) -> str:
    """A section title without its decoration: leading emoji, trailing colon, emphasis marks."""
    _, text = leading_marker(squash(text))
    return text.strip("*_ ").rstrip(":").strip()


def bare_urls(text: str) -> list[str]:
    """The http(s) URLs written out in plain text, without trailing punctuation."""
    return [url.rstrip(".,;:!?)”’") for url in _URL.findall(text)]
