"""Provide the three renderings of composed threads: terminal text, JSON and an HTML page.

All three show the same :class:`~bot.compose.model.Thread` objects that ``bot post`` sends,
so what the author reviews is byte for byte what goes out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot import platforms
from bot.compose.length import RULES
from bot.compose.model import Post, Thread
from bot.compose.plan import Plan
from bot.compose.thread import post_to_dict
from bot.costs import ThreadCost, cost_line, usd
from bot.newsletter.model import Issue
from bot.preview_stories import choice_json, choice_lines


def to_json(issue: Issue, threads: Mapping[str, Thread], *, plan: Plan | None = None,
            costs: Mapping[str, ThreadCost] | None = None) -> str:
    """``{"issue": {...}, "threads": {platform: [...], ...}, "stories": [...], "warnings": [...]}``;
    with ``costs``, a ``cost_usd`` on each priced post, the threads' totals in a top-level
    ``cost_usd`` and each link policy's total in ``cost_usd_by_links``."""
    import json

    costs = costs or {}
    payload: dict[str, object] = {
        "issue": {
            "number": issue.number,
            "title": issue.title,
            "url": issue.url,
            "newsletter": issue.newsletter,
            "kind": issue.kind,
        },
        "threads": {
            platform: [_priced(post_to_dict(post, platform), costs.get(platform), n)
                       for n, post in enumerate(thread.posts)]
            for platform, thread in threads.items()
        },
        "warnings": _warnings(issue, threads),
    }
    if costs:
        payload["cost_usd"] = {p: c.total for p, c in costs.items()}
        payload["cost_usd_by_links"] = {p: c.by_policy for p, c in costs.items() if c.by_policy}
    if plan is not None:
        payload["stories"] = choice_json(plan, issue)
    return json.dumps(payload, ensure_ascii=False, indent=2)


def _priced(data: dict[str, Any], cost: ThreadCost | None, position: int) -> dict[str, Any]:
    if cost is not None:
        data["cost_usd"] = cost.posts[position]
    return data


def to_text(
    issue: Issue, threads: Mapping[str, Thread], *, color: bool = False, plan: Plan | None = None,
    costs: Mapping[str, ThreadCost] | None = None,
) -> str:
    """The terminal preview: each post with its length against the limit (and its price, with
    ``costs``), links and facets; with ``plan``, the stories chosen (and why) and those left out."""
    costs = costs or {}
    lines = [_headline(issue), ""]
    if plan is not None:
        lines.extend([*choice_lines(plan), ""])
    for platform, thread in threads.items():
        name = platforms.name(platform)
        lines.append(_rule(f"{name} · {len(thread.posts)} posts", color))
        cost = costs.get(platform)
        for number, post in enumerate(thread.posts, 1):
            price = usd(cost.posts[number - 1]) if cost else None
            lines.extend(_post_lines(platform, number, len(thread.posts), post, color, price))
        if cost:
            lines.append(cost_line(platform, cost))
        lines.append("")
    warnings = _warnings(issue, threads)
    if warnings:
        lines.append("Warnings:")
        lines.extend(f"  ! {warning}" for warning in warnings)
    else:
        lines.append("No warnings: every post fits its platform.")
    return "\n".join(lines) + "\n"


def _headline(issue: Issue) -> str:
    number = f"#{issue.number} " if issue.number is not None else ""
    name = f"{issue.newsletter} · " if issue.newsletter else ""
    return f"{name}Issue {number}· {issue.title}\n{issue.url or '(no URL)'}"


def _rule(title: str, color: bool) -> str:
    text = f"── {title} " + "─" * max(3, 60 - len(title))
    return _style(text, color, bold=True)


def _post_lines(platform: str, number: int, total: int, post: Post, color: bool,
                price: str | None = None) -> list[str]:
    rules = RULES[platform]
    measure = rules.measure_line(post) + (f" · {price}" if price else "")
    where = f" · story {post.item_index}" if post.item_index is not None else ""
    head = f"[{number}/{total}] {post.role}{where} · {measure}"
    lines = [_style(head, color, dim=True)]
    lines.extend("    " + line for line in _marked(post, platform, color).split("\n"))
    lines.extend(rules.link_lines(post))
    if post.card:
        lines.append(f"    ↳ card: {post.card.title} — {post.card.uri}")
    return lines


def _marked(post: Post, platform: str, color: bool) -> str:
    """The text with its links underlined (on a colour terminal)."""
    if not color:
        return post.text
    spans = RULES[platform].link_spans(post)
    out, last = [], 0
    for start, end, _href in spans:
        out.append(post.text[last:start])
        out.append(_style(post.text[start:end], True, underline=True))
        last = end
    out.append(post.text[last:])
    return "".join(out)


def _style(text: str, color: bool, **styles: bool) -> str:
    if not color:
        return text
    import click

    return click.style(text, **styles)


def _warnings(issue: Issue, threads: Mapping[str, Thread]) -> list[str]:
    seen: list[str] = []
    for warning in [*issue.warnings, *(w for t in threads.values() for w in t.warnings)]:
        if warning not in seen:
            seen.append(warning)
    return seen


def to_html(issue: Issue, threads: Mapping[str, Thread], *, accounts: Mapping[str, Any] | None = None,
            costs: Mapping[str, ThreadCost] | None = None) -> str:
    """A standalone page (no script, its CSS inline) showing each post as a card that looks
    like the post will: the account, links as the platform shows them, the link card with its
    cover image. The review page (``bot serve``) renders the very same cards."""
    from bot.review.cards import Account, preview_page

    name = issue.newsletter or "Newsletter"
    handle = "@" + ("".join(ch for ch in name.lower() if ch.isalnum()) or "newsletter")
    accounts = accounts or {p: Account(name, handle) for p in threads}
    return preview_page(issue, threads, accounts=accounts, warnings=_warnings(issue, threads),
                        costs=costs)
