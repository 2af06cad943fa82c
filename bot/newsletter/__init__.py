"""Provide newsletter ingestion: read one issue from a feed, a page or a file, and store it.

The public API is :func:`read_issue`, :func:`read_feed` (with :class:`FeedResult`),
:func:`save_issue`, :func:`latest_issue` and :func:`load_issue`. They are imported on first
use, so importing :mod:`bot.newsletter.model` stays cheap.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "read_issue": "bot.newsletter.reader",
    "read_feed": "bot.newsletter.reader",
    "FeedResult": "bot.newsletter.reader",
    "save_issue": "bot.newsletter.store",
    "latest_issue": "bot.newsletter.store",
    "load_issue": "bot.newsletter.store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'bot.newsletter' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)
