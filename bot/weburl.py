"""Provide the one check every URL passes where it enters the bot: http(s) only.

A feed's ``<link>``, ``--url``, a link inside an issue, a card, the HTML preview's ``href``:
``javascript:``, ``data:``, ``file:`` and the like never reach a post, a card or a page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.errors import InputError

MAX_SHOWN = 80  # an error names a URL by its first characters, never a 10,000-character echo


def is_web_url(value: object) -> bool:
    """Whether ``value`` is an absolute http(s) URL with a host."""
    if not isinstance(value, str) or not value or value != value.strip():
        return False
    if any(ord(c) < 0x21 for c in value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """``value`` as an error message may show it: one line, at most ``limit`` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def web_url(value: object, *, what: str) -> str:
    """``value`` stripped if it is an http(s) URL, else an :class:`InputError` naming ``what``."""
    candidate = value.strip() if isinstance(value, str) else value
    if not is_web_url(candidate):
        raise InputError(f"{what} must be an http(s) URL, not {shown(value)!r}")
    assert isinstance(candidate, str)
    return candidate
