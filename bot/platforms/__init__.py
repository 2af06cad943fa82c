"""Provide the platform registry: one :class:`~bot.platforms.base.Platform` per network.

``PACKAGES`` is the only list of platforms in the bot. Adding a network is one package under
``bot/platforms/`` and one line here (see docs/adding-a-platform.md). An unknown platform is an
error, never a default.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING
import importlib
from collections.abc import Callable

from bot.errors import ConfigError
from bot.platforms.base import Platform

if TYPE_CHECKING:
    from bot.platforms.protocols import LengthRules

PACKAGES = (
    "bot.platforms.x",
    "bot.platforms.bluesky",
    "bot.platforms.reddit",
    "bot.platforms.mastodon",
)

#: where an issue is posted when ``[post] platforms`` does not say
DEFAULT_PLATFORMS = ("x", "bluesky")


@functools.cache
def registry() -> tuple[Platform, ...]:
    """Every platform, in the order of :data:`PACKAGES`."""
    return tuple(importlib.import_module(name).PLATFORM for name in PACKAGES)


def ids(*, posting: bool = False, harvesting: bool = False) -> tuple[str, ...]:
    """The platform ids, optionally only those that post or harvest."""
    return tuple(
        p.id for p in registry()
        if (not posting or p.posts) and (not harvesting or p.harvests)
    )


def get(platform: str, *, posting: bool = False, harvesting: bool = False) -> Platform:
    """The platform named ``platform``, or a one-line error listing the known ones."""
    for record in registry():
        if record.id == platform:
            if posting and not record.posts:
                break
            if harvesting and not record.harvests:
                break
            return record
    what = "to post to" if posting else "to harvest" if harvesting else ""
    known = ", ".join(ids(posting=posting, harvesting=harvesting))
    raise ConfigError(f"unknown platform {platform!r}{' ' + what if what else ''} (use {known})")


def name(platform: str) -> str:
    """A platform's name for people ("X", "Bluesky")."""
    return get(platform).name


def rules(platform: str) -> LengthRules:
    """A posting platform's length rules."""
    record = get(platform, posting=True)
    assert record.rules is not None
    return _rules(record.id, record.rules)


@functools.cache
def _rules(platform: str, factory: Callable[[], LengthRules]) -> LengthRules:
    return factory()


def recognise(ref: str) -> Platform | None:
    """The platform a thread URL, URI or id belongs to, if any."""
    ref = ref.strip()
    return next((p for p in registry() if p.recognise(ref)), None)


def secret_variables() -> tuple[str, ...]:
    """Every environment variable that holds a secret, across platforms."""
    return tuple(v for p in registry() for v in p.secrets)
