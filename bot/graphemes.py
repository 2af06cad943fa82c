"""Provide extended grapheme clusters, the leading emoji run of an item and ``\\p{L}``, answered
without the ``regex`` module whenever the answer can be proven from a few facts of Unicode.

Importing ``regex`` costs about 9 ms, a noticeable share of ``bot preview``'s start, only for
``\\X`` (Bluesky counts graphemes), an item's emoji flag and one issue-title pattern. Most text
needs none of it, because of two facts of the rules ``regex`` applies (UAX #29; its
``unicode_at_grapheme_boundary``), checked against the installed ``regex`` by
``tests/test_grapheme_fast_path.py``:

* code points whose Grapheme_Cluster_Break is Other, Control or LF and which are no
  Indic_Conjunct_Break Linker (``SIMPLE``) never join each other: every rule that keeps two code
  points together needs something else (CR before LF, an Extend, ZWJ or SpacingMark after, a
  Prepend before, Hangul jamo or syllables, a Linker before a consonant, regional indicators).
  A text made of them is one cluster per code point;
* U+FE0F (VARIATION SELECTOR-16, Extend) joins the code point before it unless that is a Control
  or LF, so "❤️" (U+2764 U+FE0F) is one cluster, and the next simple code point starts another.

Every Extended_Pictographic code point is simple, so a leading run of emoji, each alone or with
U+FE0F, followed by a simple code point is a run of such clusters. Anything else (CR LF,
combining marks, ZWJ sequences, skin tones, flags, keycaps, Hangul, a lone surrogate) is asked
of ``regex``, imported on first need by :func:`regex_pattern`. The tables are
:mod:`bot.graphemes_ranges`, generated from ``regex``.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from typing import TYPE_CHECKING

from bot.graphemes_ranges import CONTROL_LF, PICTOGRAPHIC, SIMPLE

if TYPE_CHECKING:
    import regex

VS16 = "\ufe0f"
_REGIONAL_INDICATORS = (0x1F1E6, 0x1F200)  # U+1F1E6..U+1F1FF, bounds as in bot.graphemes_ranges
# Latin-1 is SIMPLE but for CR: what most text is made of, checked with one set difference.
_LATIN1_SIMPLE = frozenset(map(chr, range(0x100))) - {"\r"}


@functools.cache
def regex_pattern(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled by the ``regex`` module, which is imported here, on first need only."""
    import regex

    return regex.compile(pattern)


def _inside(table: tuple[int, ...], code: int) -> bool:
    return bisect_right(table, code) % 2 == 1


def plain(text: str) -> bool:
    """Whether ``text`` is only SIMPLE code points and U+FE0F, each right after a simple code point
    that is no Control or LF: then its clusters are its code points, U+FE0F with the one before."""
    others = set(text).difference(_LATIN1_SIMPLE)
    if not others:
        return True
    if VS16 in others:
        others.discard(VS16)
        if not _each_vs16_follows_other(text):
            return False
    return all(_inside(SIMPLE, ord(char)) for char in others)


def _each_vs16_follows_other(text: str) -> bool:
    # Whether the character before each U+FE0F is neither U+FE0F nor Control/LF (whether it is
    # SIMPLE at all, plain() checks).
    index = text.find(VS16)
    while index >= 0:
        if index == 0 or text[index - 1] == VS16 or _inside(CONTROL_LF, ord(text[index - 1])):
            return False
        index = text.find(VS16, index + 1)
    return True


def clusters(text: str) -> list[str]:
    """The extended grapheme clusters of ``text``, as ``regex``'s ``\\X`` finds them."""
    if not plain(text):
        return list(regex_pattern(r"\X").findall(text))
    if VS16 not in text:
        return list(text)
    # Each U+FE0F follows a character other than U+FE0F, so every part before one is non-empty.
    *joined, last = text.split(VS16)
    found: list[str] = []
    for part in joined:
        found.extend(part[:-1])
        found.append(part[-1] + VS16)
    found.extend(last)
    return found


def cluster_count(text: str) -> int:
    """How many extended grapheme clusters ``text`` has (``len(clusters(text))``)."""
    if plain(text):
        return len(text) - text.count(VS16)
    return len(regex_pattern(r"\X").findall(text))


def emoji_run_end(text: str) -> int | None:
    """Where the leading run of emoji clusters of ``text`` ends: the end of what ``regex`` matches
    with ``^(?:(?=\\p{Extended_Pictographic}|\\p{Regional_Indicator})\\X)+``, 0 when it matches
    nothing, ``None`` when only ``regex`` can tell (a flag, a ZWJ sequence, a skin tone...)."""
    if not text:
        return 0
    first = ord(text[0])
    if not _inside(PICTOGRAPHIC, first):
        # A run starts with an Extended_Pictographic or Regional_Indicator code point or not at all.
        return None if _inside(_REGIONAL_INDICATORS, first) else 0
    end = 0
    while end < len(text) and _inside(PICTOGRAPHIC, ord(text[end])):
        end += 2 if text[end + 1 : end + 2] == VS16 else 1
    if end == len(text) or _inside(SIMPLE, ord(text[end])):
        return end  # the next cluster starts at a simple code point that is no emoji
    return None


def is_letter(char: str) -> bool:
    """Whether the code point ``char`` is a letter (``\\p{L}``) as ``regex`` says.

    ``str.isalpha`` asks the same categories (Lu Ll Lt Lm Lo) of Python's own Unicode version.
    Where it says yes, and where it says no of a printable code point (one Python's Unicode
    assigns), ``regex`` agrees; the rest (letters added since, controls, private use) is asked of
    ``regex``.
    """
    if char.isalpha():
        return True
    if char.isprintable():
        return False
    return regex_pattern(r"\p{L}").fullmatch(char) is not None
