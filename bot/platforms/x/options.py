"""Provide X's ``[x]`` table in bot.toml: its defaults and their checks (import-cheap).

* ``links``: which posts carry links, ``"every"``, ``"opening"`` (the issue link in the opening
  post only: a post with a URL costs 13 times one without) or ``"none"``;
* ``format``: ``"thread"`` (opening, one post per highlight, closing) or ``"single"`` (one post:
  the opening with the issue link and the headline topics; what an account whose replies X
  refuses can post);
* ``max_cost_per_issue``: US dollars a thread may cost; a thread over it is refused before any
  request (unset: no budget);
* ``reconcile_grace``: how long after an attempt a post we cannot see on the account is still
  taken to be possibly there (X's timelines lag); until then it is never sent again;
* ``prices``: overrides of :data:`bot.platforms.x.pricing.TABLE`'s rates.
"""

from __future__ import annotations

from typing import Any

from bot.errors import ConfigError

LINKS = ("every", "opening", "none")
FORMATS = ("thread", "single")

DEFAULTS: dict[str, Any] = {
    "links": "opening",
    "format": "thread",
    "max_cost_per_issue": None,
    "reconcile_grace": "10m",
    "prices": {},
}


def check(options: dict[str, Any]) -> dict[str, Any]:
    """``[x]`` with each value checked; a wrong one is a one-line :class:`ConfigError`."""
    from bot.platforms.x.pricing import prices
    from bot.timeutil import parse_duration

    out = dict(options)
    for key, allowed in (("links", LINKS), ("format", FORMATS)):
        if out[key] not in allowed:
            raise ConfigError(f"x.{key} in bot.toml must be {' or '.join(repr(a) for a in allowed)}, "
                              f"not {out[key]!r}")
    budget = out["max_cost_per_issue"]
    if budget is not None:
        if isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget < 0:
            raise ConfigError(f"x.max_cost_per_issue in bot.toml must be US dollars >= 0, not {budget!r}")
        out["max_cost_per_issue"] = float(budget)
    parse_duration(out["reconcile_grace"], name="x.reconcile_grace")
    prices(out["prices"])  # refuses an unknown or negative price
    return out


def price(text: str, options: dict[str, Any]) -> float:
    """What creating a post with ``text`` costs under ``[x.prices]``."""
    from bot.platforms.x.pricing import post_price, prices

    return post_price(text, prices(options.get("prices")))


def read_price(rows: Any, options: dict[str, Any], extra: dict[str, int] | None = None) -> tuple[int, float]:
    """One harvested page's reads: X charges per post and per user returned, the users an
    account source looked up (``extra["users"]``) included."""
    from bot.platforms.x.pricing import prices

    table = prices(options.get("prices"))
    posts = len(rows.posts) + (extra or {}).get("posts", 0)
    users = len(rows.authors) + (extra or {}).get("users", 0)
    return posts + users, round(posts * table.post_read + users * table.user_read, 6)
