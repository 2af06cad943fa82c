"""Provide the type checks every setting passes, and the nearest-key hint for a typo.

A check takes the value as found (a TOML value, or the text of an environment variable when
``from_env``) and returns it converted, or raises :class:`Wrong` saying what was expected;
:func:`bot.settings.load` turns that into one line naming the key, the expected type and the
value (shortened). Nothing is coerced silently: ``numbering = "maybe"`` is an error, not false,
and ``search = ["a", "b"]`` is an error, not the text ``"['a', 'b']"``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from bot.errors import ConfigError
from bot.timeutil import parse_duration
from bot.weburl import is_web_url

Check = Callable[[Any, bool], Any]

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class Wrong(Exception):
    """A value is not of the type a setting needs; ``expected`` says what it should be."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def text(value: Any, from_env: bool = False) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Wrong("a non-empty string")
    return value.strip()


def path(value: Any, from_env: bool = False) -> str:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip():
        raise Wrong("a file path (a non-empty string)")
    if "\0" in value:
        raise Wrong("a file path without NUL characters")
    return value.strip()


def web_url(value: Any, from_env: bool = False) -> str:
    candidate = value.strip() if isinstance(value, str) else value
    if not is_web_url(candidate):
        raise Wrong("an http(s) URL (https://...)")
    return candidate


def feed_source(value: Any, from_env: bool = False) -> str:
    """The feed: an http(s) URL, or a local file (no other scheme)."""
    candidate = value.strip() if isinstance(value, str) else value
    if isinstance(candidate, str) and candidate and not _SCHEME.match(candidate) and "\0" not in candidate:
        return candidate
    if not is_web_url(candidate):
        raise Wrong("an http(s) URL (https://...) or a file path")
    return candidate


def positive_number(value: Any, from_env: bool = False) -> float:
    number = _number(value, from_env, float)
    if number is None or not math.isfinite(number) or number <= 0:
        raise Wrong("a positive number of seconds (e.g. 20)")
    return float(number)


def dollars(value: Any, from_env: bool = False) -> float:
    """An amount of US dollars: a number >= 0."""
    number = _number(value, from_env, float)
    if number is None or not math.isfinite(number) or number < 0:
        raise Wrong("US dollars (a number >= 0, e.g. 1.5)")
    return float(number)


def count(value: Any, from_env: bool = False) -> int:
    number = _number(value, from_env, int)
    if number is None or not isinstance(number, int) or number < 0:
        raise Wrong("a whole number, 0 or more")
    return number


def positive_count(value: Any, from_env: bool = False) -> int:
    number = _number(value, from_env, int)
    if number is None or not isinstance(number, int) or number < 1:
        raise Wrong("a whole number, 1 or more")
    return number


def port(value: Any, from_env: bool = False) -> int:
    number = _number(value, from_env, int)
    if not isinstance(number, int) or not 1 <= number <= 65535:
        raise Wrong("a port number (1 to 65535)")
    return number


def boolean(value: Any, from_env: bool = False) -> bool:
    if isinstance(value, bool):
        return value
    if from_env and isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise Wrong("true or false" if not from_env else "true or false (or yes/no, on/off, 1/0)")


def strings(value: Any, from_env: bool = False) -> list[str]:
    if from_env and isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise Wrong('a list of strings (e.g. ["x", "bluesky"])' if not from_env
                    else "a comma-separated list (e.g. x,bluesky)")
    return [v.strip() for v in value]


def string_or_strings(value: Any, from_env: bool = False) -> str | list[str]:
    if isinstance(value, str) and value.strip():
        return value.strip()
    try:
        return strings(value)
    except Wrong:
        raise Wrong("a string or a list of strings") from None


def duration(*, positive: bool) -> Check:
    """A duration (``30m``, ``90``): above zero when ``positive``, else zero or more."""
    expected = "a duration above zero (e.g. 10m)" if positive else "a duration (e.g. 30m, 0s)"

    def check(value: Any, from_env: bool = False) -> str | int | float:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise Wrong(expected)
        try:
            span = parse_duration(value)
        except (ConfigError, OverflowError, ValueError):
            raise Wrong(expected) from None
        if span < dt.timedelta(0) or (positive and span == dt.timedelta(0)):
            raise Wrong(expected)
        return value.strip() if isinstance(value, str) else value

    return check


def optional(check: Check) -> Check:
    """``check``, or None when the setting is absent."""

    def maybe(value: Any, from_env: bool = False) -> Any:
        return None if value is None else check(value, from_env)

    return maybe


def nearest(name: str, known: Iterable[str]) -> str | None:
    """The known key ``name`` was most likely meant to be (``reveiw_delay`` -> ``review_delay``)."""
    import difflib  # only when a key is unknown

    known = list(known)
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if match:
        return match[0]
    leaf = name.rpartition(".")[2]
    by_leaf = {k.rpartition(".")[2]: k for k in known}
    match = difflib.get_close_matches(leaf, list(by_leaf), n=1, cutoff=0.7)
    return by_leaf[match[0]] if match else None


def _number(value: Any, from_env: bool, kind: type) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value if kind is float or isinstance(value, int) else None
    if from_env and isinstance(value, str):
        try:
            return kind(value.strip())
        except (ValueError, OverflowError):
            return None
    return None
