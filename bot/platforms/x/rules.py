"""Provide :class:`XRules`: X's weighted length (twitter-text v3), and the helpers behind it.

X counts with twitter-text v3 (NFC, weighted code points, every URL 23, an emoji sequence 2);
``twitter-text-parser`` passes the official conformance suite and sits behind :func:`x_length`
so the rest of the bot never touches its config dicts.
"""

from __future__ import annotations

import copy
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from bot.compose.length import LinksAsWritten, utf8_length
from bot.compose.model import Post
from bot.platforms.x.fastlength import fast_parse
from bot.platforms.x.twitter_text_loader import load_twitter_text

X_LIMIT = 280

XConfig = dict[str, Any]

# A word boundary in camelCase, acronyms kept whole: transformedURLLength → transformed_URL_Length.
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# twitter-text's mention rule: "@" (or "＠") and 1-20 word characters, not preceded by a word
# character or one of !#$%&*@ (so "a@b.org" is no mention, "”@Roblox" is).
MENTION = re.compile(r"(?:^|(?<=[^A-Za-z0-9_!#$%&*@＠]))[@＠]([A-Za-z0-9_]{1,20})(?![A-Za-z0-9_@＠])")


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
    return int(x_parse(text, config=config).weightedLength)


def x_valid(text: str, *, config: XConfig | None = None) -> bool:
    """Whether X accepts ``text``: not empty, within the limit, no invalid characters."""
    if config is None:
        return _x_default(text)[1]
    return bool(x_parse(text, config=config).valid)


@functools.lru_cache(maxsize=16384)
def _x_default(text: str) -> tuple[int, bool]:
    # parse_tweet costs about 5 µs per character; splitting asks about the same prefixes
    # repeatedly while it numbers a thread, so the default-config answers are cached. A plain
    # text is answered without importing twitter-text at all (fastlength.py says why that is exact).
    fast = fast_parse(text)
    if fast is not None:
        return fast[0], fast[1]
    result = x_parse(text)
    return result.weightedLength, result.valid


@functools.lru_cache(maxsize=1)
def _default_config() -> XConfig:
    return x_config(3)


def x_urls(text: str) -> tuple[str, ...]:
    """The URLs X links (and counts as 23 each), with or without a scheme."""
    fast = fast_parse(text)
    if fast is not None:
        return fast[2]
    load_twitter_text()
    from twitter_text import extract_urls

    return tuple(extract_urls(unicodedata.normalize("NFC", text)))


class XRules(msgspec.Struct, LinksAsWritten, frozen=True):
    """X's 280 weighted characters; the raw text is sent as it is (X makes the t.co links)."""

    platform: str = "x"
    limit: int = X_LIMIT
    unit: str = "X weighted length"
    short_unit: str = "weighted"

    def measure(self, text: str) -> int:
        return x_length(text)

    def fits(self, text: str) -> bool:
        return x_valid(text)

    def cost(self, piece: str) -> tuple[int, ...]:
        """A piece's weighted length; one with characters X refuses costs more than a post holds.

        Lengths add up over pieces cut at whitespace: URLs and emoji sequences never span a
        space, and every v3 weight is a whole multiple of the scale.
        """
        weighted, valid = _x_default(piece)
        refused = not valid and 0 < weighted <= self.limit
        return (self.limit + 1 if refused else weighted,)

    def describe_limit(self) -> str:
        return f"{self.limit} ({self.unit})"

    def describe(self, text: str) -> str:
        weighted, valid = _x_default(text)
        refused = weighted <= self.limit and not valid
        return f"{weighted} ({self.unit})" + (" with characters X refuses" if refused else "")

    def make_post(self, raw: str, *, role: str, item_index: int | None, card: Any) -> Post:
        return Post(text=raw, length=x_length(raw), limit=self.limit, role=role, item_index=item_index,
                    links=x_urls(raw), byte_length=utf8_length(raw))

    def warnings(self, posts: Sequence[Post]) -> list[str]:
        """X notifies every account a post mentions, and restricts automated mentions: say so."""
        warnings = []
        for number, post in enumerate(posts, 1):
            names = [f"@{m}" for m in MENTION.findall(post.text)]
            if names:
                warnings.append(
                    f"post {number} on X mentions {', '.join(names)}: X notifies "
                    f"{'that account' if len(names) == 1 else 'those accounts'} (automated mentions are restricted)"
                )
        return warnings

    def measure_line(self, post: Post) -> str:
        return f"{post.length}/{post.limit}"

