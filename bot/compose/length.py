"""Provide the platforms' length rules: X's weighted length, Bluesky's graphemes and bytes.

X counts with twitter-text v3 (NFC, weighted code points, every URL 23, an emoji sequence 2);
``twitter-text-parser`` passes the official conformance suite and sits behind :func:`x_length`
so the rest of the bot never touches its config dicts. Bluesky counts extended grapheme
clusters (the ``regex`` module's ``\\X``, which follows Unicode 15.1's Indic conjunct rule) of
the text as the app shows it, and UTF-8 bytes.
"""

from __future__ import annotations

import copy
import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import regex

from bot.compose import links
from bot.compose.twitter_text_loader import load_twitter_text

X_LIMIT = 280
BLUESKY_GRAPHEME_LIMIT = 300
BLUESKY_BYTE_LIMIT = 3000

XConfig = dict[str, Any]

_GRAPHEME = regex.compile(r"\X")
# A word boundary in camelCase, acronyms kept whole: transformedURLLength → transformed_URL_Length.
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def x_config(version: int = 3) -> XConfig:
    """A copy of twitter-text's built-in config ``version`` (1, 2 or 3), every key filled in."""
    load_twitter_text()
    from twitter_text.config import config

    return _complete(copy.deepcopy(config[f"version{version}"]))


def x_config_from_json(data: Mapping[str, Any]) -> XConfig:
    """A config from twitter-text's own JSON (``config/v3.json``: camelCase keys)."""
    return _complete({_CAMEL.sub("_", key).lower(): copy.deepcopy(value) for key, value in data.items()})


def _complete(config: XConfig) -> XConfig:
    # Versions 1 and 2 predate emoji parsing: the library expects the key, the JSON omits it.
    config.setdefault("emoji_parsing_enabled", False)
    return config


def x_parse(text: str, *, config: XConfig | None = None) -> Any:
    """twitter-text's full result (``weightedLength``, ``valid``, ``permillage``, ranges)."""
    load_twitter_text()
    from twitter_text import parse_tweet

    return parse_tweet(text, config if config is not None else _default_config())


def x_length(text: str, *, config: XConfig | None = None) -> int:
    """The weighted length X counts against its 280 limit."""
    if config is None:
        return _x_default(text)[0]
    return x_parse(text, config=config).weightedLength


def x_valid(text: str, *, config: XConfig | None = None) -> bool:
    """Whether X accepts ``text``: not empty, within the limit, no invalid characters."""
    if config is None:
        return _x_default(text)[1]
    return x_parse(text, config=config).valid


@functools.lru_cache(maxsize=16384)
def _x_default(text: str) -> tuple[int, bool]:
    # parse_tweet costs about 5 µs per character; splitting asks about the same prefixes
    # repeatedly while it numbers a thread, so the default-config answers are cached.
    result = x_parse(text)
    return result.weightedLength, result.valid


@functools.lru_cache(maxsize=1)
def _default_config() -> XConfig:
    return x_config(3)


def x_urls(text: str) -> tuple[str, ...]:
    """The URLs X links (and counts as 23 each), with or without a scheme."""
    load_twitter_text()
    from twitter_text import extract_urls

    return tuple(extract_urls(unicodedata.normalize("NFC", text)))


def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of ``text`` (👨‍👩‍👧‍👦 and 🇯🇵 are one each)."""
    return _GRAPHEME.findall(text)


def grapheme_length(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


def bluesky_fits(shown: str) -> bool:
    """Whether Bluesky accepts ``shown`` (the text as sent, URLs already shortened)."""
    return utf8_length(shown) <= BLUESKY_BYTE_LIMIT and grapheme_length(shown) <= BLUESKY_GRAPHEME_LIMIT


@dataclass(frozen=True)
class Rules:
    """One platform's limit, measured on our raw text (full URLs) as the platform will see it."""

    platform: str
    limit: int
    unit: str

    def measure(self, text: str) -> int:
        """The post's length in the platform's own unit."""
        if self.platform == "x":
            return x_length(text)
        return grapheme_length(links.render(text).text)

    def fits(self, text: str) -> bool:
        if self.platform == "x":
            return x_valid(text)
        return bluesky_fits(links.render(text).text)

    @property
    def capacity(self) -> tuple[int, ...]:
        """The budget :meth:`cost` is measured against, one number per limit."""
        if self.platform == "x":
            return (self.limit,)
        return (self.limit, BLUESKY_BYTE_LIMIT)

    def cost(self, piece: str) -> tuple[int, ...]:
        """What a word or a run of spaces adds to a post, one number per limit.

        Lengths add up over pieces cut at whitespace: URLs, emoji sequences and grapheme
        clusters never span a space, and every v3 weight is a whole multiple of the scale.
        The splitter plans with these sums and then checks each post with :meth:`fits`.
        A piece with characters X refuses costs more than any post can hold.
        """
        return _cost(self, piece)

    def describe_limit(self) -> str:
        if self.platform == "bluesky":
            return f"{self.limit} {self.unit} and {BLUESKY_BYTE_LIMIT} UTF-8 bytes"
        return f"{self.limit} ({self.unit})"

    def describe(self, text: str) -> str:
        """How long ``text`` is, for error messages."""
        if self.platform == "bluesky":
            shown = links.render(text).text
            return f"{grapheme_length(shown)} {self.unit}, {utf8_length(shown)} bytes"
        parsed = x_parse(text)
        refused = parsed.weightedLength <= self.limit and not parsed.valid
        return f"{parsed.weightedLength} ({self.unit})" + (
            " with characters X refuses" if refused else ""
        )


RULES: dict[str, Rules] = {
    "x": Rules("x", X_LIMIT, "X weighted length"),
    "bluesky": Rules("bluesky", BLUESKY_GRAPHEME_LIMIT, "graphemes"),
}


@functools.lru_cache(maxsize=16384)
def _cost(rules: Rules, piece: str) -> tuple[int, ...]:
    if rules.platform == "x":
        weighted, valid = _x_default(piece)
        refused = not valid and 0 < weighted <= rules.limit
        return (rules.limit + 1 if refused else weighted,)
    shown = links.render(piece).text
    return (grapheme_length(shown), utf8_length(shown))
