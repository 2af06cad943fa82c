"""Provide :func:`thread_costs`: what posting each thread costs on a platform that charges per
post, as ``bot preview`` shows it, and what each of its link policies would cost instead.

Prices come from each platform's registry record (``Platform.price``); a free platform has none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from bot import platforms
from bot.compose.model import Thread
from bot.newsletter.model import Issue
from bot.settings import Settings


class ThreadCost(msgspec.Struct, frozen=True):
    """US dollars per post, the thread's total, and the total under each link policy."""

    posts: tuple[float, ...]
    policy: str | None = None
    by_policy: dict[str, float] = msgspec.field(default_factory=dict)
    budget: float | None = None  # the platform's max_cost_per_issue, if set

    @property
    def total(self) -> float:
        return round(sum(self.posts), 6)


def usd(amount: float) -> str:
    """``$0.305``: US dollars with as many decimals as a price needs (at least two)."""
    text = f"{amount:.3f}".rstrip("0")
    whole, _, cents = text.partition(".")
    return f"${whole}.{cents.ljust(2, '0')}"


def price_posts(platform: str, texts: Sequence[str], settings: Settings) -> tuple[float, ...] | None:
    """Each post's price, or None if posting to ``platform`` is free."""
    record = platforms.get(platform)
    if record.price is None:
        return None
    options = settings.platform_options(platform)
    return tuple(record.price(text, options) for text in texts)


def thread_costs(
    issue: Issue,
    threads: Mapping[str, Thread],
    settings: Settings,
    *,
    pick: Sequence[int] | None = None,
    count: int | None = None,
) -> dict[str, ThreadCost]:
    """Each priced thread's cost, and what each link policy of its platform would cost."""
    from bot.compose.plan import make_plan

    out: dict[str, ThreadCost] = {}
    for platform, thread in threads.items():
        posts = price_posts(platform, [p.text for p in thread.posts], settings)
        if posts is None:
            continue
        record = platforms.get(platform)
        options = settings.platform_options(platform)
        policy = options.get("links")
        by_policy: dict[str, float] = {}
        for choice in record.link_policies:
            if choice == policy:
                by_policy[choice] = round(sum(posts), 6)
                continue
            other = make_plan(issue, settings, platforms=[platform], pick=pick, count=count,
                              links={platform: choice}).threads[platform]
            priced = price_posts(platform, [p.text for p in other.posts], settings) or ()
            by_policy[choice] = round(sum(priced), 6)
        out[platform] = ThreadCost(posts, policy if record.link_policies else None, by_policy,
                                   options.get("max_cost_per_issue"))
    return out


def cost_line(platform: str, cost: ThreadCost) -> str:
    """``X thread: $0.305 (links = "opening"; "every" $1.60, "none" $0.12)``."""
    name = platforms.name(platform)
    line = f"{name} cost: {usd(cost.total)} for {len(cost.posts)} posts"
    if cost.by_policy:
        choices = ", ".join(f'"{p}" {usd(v)}' for p, v in cost.by_policy.items())
        line += f' (links = "{cost.policy}"; each choice: {choices})'
    if cost.budget is not None and cost.total > cost.budget + 1e-9:
        line += (f"; {usd(cost.total - cost.budget)} over max_cost_per_issue = {usd(cost.budget)}: "
                 "bot post will refuse it")
    return line


def month_spend(db: Any, settings: Settings, *, now: dt.datetime | None = None
                ) -> dict[str, dict[str, float]]:
    """This UTC month's spend per priced platform, from our own records: harvest runs' reads,
    the reads made while posting (X's reconciliation) and the posts sent (each priced by its
    text at today's prices)."""
    from bot.timeutil import iso, utcnow

    start = iso(now or utcnow())[:7] + "-01T00:00:00Z"
    out: dict[str, dict[str, float]] = {}
    for record in platforms.registry():
        if record.price is None and record.read_price is None:
            continue
        reads = next(db.query(
            "SELECT COALESCE(SUM(reads), 0) AS n, COALESCE(SUM(cost_usd), 0) AS usd FROM harvest_runs"
            " WHERE platform = ? AND started_at >= ?", [record.id, start]))
        posting = next(db.query(
            "SELECT COALESCE(SUM(resources), 0) AS n, COALESCE(SUM(cost_usd), 0) AS usd FROM publish_reads"
            " WHERE platform = ? AND at >= ?", [record.id, start]))
        read_n, read_usd = reads["n"] + posting["n"], reads["usd"] + posting["usd"]
        texts = [r["text"] for r in db.query(
            "SELECT text FROM outbox WHERE platform = ? AND state = 'sent' AND sent_at >= ?",
            [record.id, start])]
        posted = price_posts(record.id, texts, settings) or ()
        out[record.id] = {"reads": read_n, "reads_usd": round(read_usd, 6),
                          "posts": len(texts), "posts_usd": round(sum(posted), 6),
                          "total_usd": round(read_usd + sum(posted), 6)}
    return out
