"""Provide :func:`fast_parse`: X's weighted length for plain text, without twitter-text's regexes.

twitter-text-parser compiles about 200 ms of regular expressions (an emoji table, 1,700 top-level
domains) on import, every time ``bot`` starts: most of ``bot preview``'s wall time. Most posts
can be answered without them, because of three facts about twitter-text v3:

* every code point weighs 1 inside four ranges (Latin to Georgian, some punctuation) and 2
  outside, and an emoji weighs 2; so a text without the parts that make multi-code-point emoji
  sequences (U+FE0F, ZWJ, keycaps, skin tones, flags, tags) and without © and ® (emoji that lie in
  the weight-1 ranges) weighs what its code points weigh, emoji or not;
* a URL without a scheme needs a ``.`` followed by a top-level domain, so a text in which no
  ``.`` is followed by a known TLD, ``xn--`` or a non-ASCII character holds none;
* a link written as ``https://host.tld/path?query`` between spaces, with an ASCII host whose last
  label is a known TLD, and whose path and query use only characters twitter-text's path and
  query patterns accept and end on one of their ending characters, is one whole URL (23).

Anything else (a flag or ZWJ emoji, a bare ``arxiv.org``, a link inside brackets, a port) returns ``None``
and the caller asks twitter-text. ``tests/test_x_fast_length.py`` compares the two on the
official conformance suite, on every post composed from the reading corpus, and on generated text.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

_WEIGHT_100 = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))  # twitter-text config v3; else 200
# What a text may not hold to be answered here (tests/test_x_fast_length.py proves each claim
# against the installed twitter-text):
# * the parts every multi-code-point emoji sequence contains at least one of: U+FE0E/U+FE0F
#   (presentation), U+200D (ZWJ), U+20E3 (keycap), skin tones, regional indicators (flags), tags;
# * the one-code-point emoji inside the weight-1 ranges, © and ®, which count 2 as emoji;
# * what twitter-text calls invalid (U+FFFE, U+FEFF, U+FFFF), and lone surrogates.
# Every other one-code-point emoji lies outside the weight-1 ranges: it counts 2 either way.
_EXCLUDED = (
    (0xFE0E, 0xFE0F), (0x200D, 0x200D), (0x20E3, 0x20E3), (0x1F3FB, 0x1F3FF), (0x1F1E6, 0x1F1FF),
    (0xE0000, 0xE007F), (0xA9, 0xA9), (0xAE, 0xAE), (0xFEFF, 0xFEFF), (0xFFFE, 0xFFFF), (0xD800, 0xDFFF),
)


def _class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges)


_ODD = re.compile("[" + _class(_EXCLUDED) + "]")
_HEAVY = re.compile("[^" + _class(_WEIGHT_100) + "]")  # the code points that weigh 2
_TOKEN = re.compile(r"[^\t\n ]+")
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_CLEAN_URL = re.compile(
    r"https?://((?:" + _HOST_LABEL + r"\.)+" + _HOST_LABEL + r")"
    r"(?:/(?:[A-Za-z0-9\-._~/%+=&#]*[A-Za-z0-9+\-=_#/])?)?"
    r"(?:\?[A-Za-z0-9\-._~/%+=&#?]*[A-Za-z0-9\-_&=#/])?"
)
_URL_WEIGHT, _MAX = 23, 280


@functools.cache
def tlds() -> frozenset[str]:
    """The ASCII top-level domains twitter-text recognises (``tlds.txt``, read once)."""
    # Beside this module (package data); pathlib, because importlib.resources costs ~8 ms to import.
    text = (Path(__file__).with_name("tlds.txt")).read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


@functools.cache
def _max_tld() -> int:
    return max(map(len, tlds()))


def fast_parse(text: str) -> tuple[int, bool, tuple[str, ...]] | None:
    """``(weighted length, valid, URLs)`` as twitter-text v3 counts them, or ``None`` when
    ``text`` is not plain enough to answer without it.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    if _ODD.search(text):
        return None
    urls: list[str] = []
    url_chars = 0
    for token in _TOKEN.finditer(text):
        word = token.group()
        if "." not in word:
            continue
        if _is_clean_url(word):
            urls.append(word)
            url_chars += len(word)
        elif _may_hold_domain(word):
            return None
    heavy = len(_HEAVY.findall(text))
    weighted = len(text) - url_chars + heavy + _URL_WEIGHT * len(urls)
    return weighted, 0 < weighted <= _MAX, tuple(urls)


def _is_clean_url(word: str) -> bool:
    match = _CLEAN_URL.fullmatch(word)
    if match is None or len(word) > 4000:
        return False
    host = match.group(1).lower()
    return host.rsplit(".", 1)[1] in tlds() and host != "t.co" and len(host) <= 253


def _may_hold_domain(word: str) -> bool:
    """Whether some ``.`` in ``word`` is followed by what could begin a top-level domain."""
    known, longest = tlds(), _max_tld()
    for index in (i for i, char in enumerate(word) if char == "."):
        after = word[index + 1:index + 1 + longest].lower()
        if not after:
            continue
        # Non-ASCII: an IDN top-level domain, or a letter that matches one case-insensitively (ſ, K).
        if not after.isascii() or after.startswith("xn--"):
            return True
        if any(after[:size] in known for size in range(2, len(after) + 1)):
            return True
    return False
