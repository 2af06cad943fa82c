"""Provide X's pay-per-use prices: one dated table, overridable under ``[x.prices]`` in bot.toml.

X's API has been pay-per-use with prepaid credits since 2026-02-06. The figures below are the
``pricing.mdx`` table of X's developer docs (``xdevplatform/docs`` at commit 2871328,
2026-08-22), effective 2026-04-20: writes are charged per request, reads per resource returned,
and X deduplicates a resource read twice in one UTC day (we do not count on it: our estimates are
an upper bound). X's own console is the bill; these are our records of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from bot.errors import ConfigError


class Prices(msgspec.Struct, frozen=True):
    """US dollars per request (writes) or per resource returned (reads)."""

    effective: str  #: the first UTC day these prices hold
    post_create: float  #: Post: Create, a post without a URL
    post_create_url: float  #: Post: Create (with URL): any URL X links, the issue link too
    post_create_summoned: float  #: Post: Create (summoned): a reply the original author asked for
    post_read: float  #: Posts: Read, per post returned (search, conversations)
    user_read: float  #: User: Read, per user returned
    owned_read: float  #: Owned Reads: the app owner's own timeline (``GET /2/users/{id}/tweets``)


#: X's prices, oldest first; :func:`prices_on` picks the one in force on a day.
TABLE: tuple[Prices, ...] = (
    Prices(effective="2026-04-20", post_create=0.015, post_create_url=0.200,
           post_create_summoned=0.010, post_read=0.005, user_read=0.010, owned_read=0.001),
)

_RATES = tuple(f.name for f in msgspec.structs.fields(Prices) if f.name != "effective")


def prices_on(day: dt.date | None = None, *, table: Sequence[Prices] = TABLE) -> Prices:
    """The prices in force on ``day`` (UTC today by default); the oldest before the table begins."""
    when = (day or dt.datetime.now(dt.UTC).date()).isoformat()
    current = [p for p in table if p.effective <= when]
    return current[-1] if current else table[0]


def prices(override: Mapping[str, Any] | None = None, *, day: dt.date | None = None) -> Prices:
    """The prices in force, with bot.toml's ``[x.prices]`` over them (each a number >= 0)."""
    base = prices_on(day)
    if not override:
        return base
    if not isinstance(override, Mapping):
        raise ConfigError("x.prices in bot.toml must be a table of prices in US dollars")
    changed: dict[str, Any] = {}
    for key, value in override.items():
        if key == "effective":
            changed[key] = str(value)
            continue
        if key not in _RATES:
            raise ConfigError(f"unknown price x.prices.{key} in bot.toml (known: {', '.join(_RATES)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise ConfigError(f"x.prices.{key} in bot.toml must be a number of US dollars >= 0, not {value!r}")
        changed[key] = float(value)
    return msgspec.structs.replace(base, **changed)


def post_price(text: str, table: Prices) -> float:
    """What creating one post costs: the URL price if X links any URL in it (with or without a
    scheme, as twitter-text finds them), else the plain one."""
    from bot.platforms.x.rules import x_urls

    return table.post_create_url if x_urls(text) else table.post_create


def thread_price(texts: Sequence[str], table: Prices) -> float:
    return round(sum(post_price(text, table) for text in texts), 6)

