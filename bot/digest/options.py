"""Provide :func:`digest_options`: the ``[digest]`` table of ``bot.toml``, checked.

A typo in a key or a string where a list belongs (``keywords = "protein"``) is an error
naming the key, not a silently different ranking.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from bot.errors import ConfigError

_EXAMPLES = {
    "keywords": '["protein", "materials"]',
    "allow": '["mat_sci_anna", "lenavogel.bsky.social"]',
    "deny": '["ai_hype_daily"]',
    "strong_domains": '["pangaea.de", "ebi.ac.uk"]',
}


class DigestOptions(msgspec.Struct, frozen=True):
    keywords: tuple[str, ...] = ()
    allow: frozenset[str] = frozenset()  # handles, lower case, without "@"
    deny: frozenset[str] = frozenset()
    strong_domains: frozenset[str] = frozenset()  # extra paper, code and data hosts


def digest_options(raw: Mapping[str, Any]) -> DigestOptions:
    """Read ``raw["digest"]`` (the parsed ``bot.toml``); a missing table means no options."""
    table = raw.get("digest", {})
    if not isinstance(table, Mapping):
        raise ConfigError("[digest] in bot.toml must be a table")
    unknown = sorted(set(table) - set(_EXAMPLES))
    if unknown:
        raise ConfigError(
            f"[digest] in bot.toml has unknown key {unknown[0]!r} (known: {', '.join(sorted(_EXAMPLES))})"
        )
    lists = {key: _strings(table, key) for key in _EXAMPLES}
    return DigestOptions(
        keywords=tuple(lists["keywords"]),
        allow=frozenset(handle_key(h) for h in lists["allow"]),
        deny=frozenset(handle_key(h) for h in lists["deny"]),
        strong_domains=frozenset(d.lower().removeprefix("www.") for d in lists["strong_domains"]),
    )


def handle_key(handle: str | None) -> str:
    """A handle as the allow and deny lists compare it: lower case, without ``@``."""
    return (handle or "").strip().lower().lstrip("@")


def _strings(table: Mapping[str, Any], key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"[digest].{key} in bot.toml must be a list of strings, e.g. {key} = {_EXAMPLES[key]}")
    return [v.strip() for v in value]
