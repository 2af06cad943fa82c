"""Provide the three renderings of composed threads: terminal text, JSON and an HTML page.

All three show the same :class:`~bot.compose.model.Thread` objects that ``bot post`` sends,
so what the author reviews is byte for byte what goes out.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping

from bot import platforms
from bot.compose.length import RULES
from bot.compose.model import Post, Thread
from bot.compose.plan import Plan
from bot.compose.thread import post_to_dict
from bot.newsletter.model import Issue
from bot.preview_stories import choice_json, choice_lines


def to_json(issue: Issue, threads: Mapping[str, Thread], *, plan: Plan | None = None) -> str:
    """``{"issue": {...}, "threads": {platform: [...], ...}, "stories": [...], "warnings": [...]}``."""
    payload: dict[str, object] = {
        "issue": {
            "number": issue.number,
            "title": issue.title,
            "url": issue.url,
            "newsletter": issue.newsletter,
            "kind": issue.kind,
        },
        "threads": {
            platform: [post_to_dict(post, platform) for post in thread.posts]
            for platform, thread in threads.items()
        },
        "warnings": _warnings(issue, threads),
    }
    if plan is not None:
        payload["stories"] = choice_json(plan, issue)
    return json.dumps(payload, ensure_ascii=False, indent=2)


def to_text(
    issue: Issue, threads: Mapping[str, Thread], *, color: bool = False, plan: Plan | None = None
) -> str:
    """The terminal preview: each post with its length against the limit, links and facets;
    with ``plan``, the stories chosen (and why) and those left out."""
    lines = [_headline(issue), ""]
    if plan is not None:
        lines.extend([*choice_lines(plan), ""])
    for platform, thread in threads.items():
        name = platforms.name(platform)
        lines.append(_rule(f"{name} · {len(thread.posts)} posts", color))
        for number, post in enumerate(thread.posts, 1):
            lines.extend(_post_lines(platform, number, len(thread.posts), post, color))
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


def _post_lines(platform: str, number: int, total: int, post: Post, color: bool) -> list[str]:
    rules = RULES[platform]
    measure = rules.measure_line(post)
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


def to_html(issue: Issue, threads: Mapping[str, Thread]) -> str:
    """A standalone page (no external assets) showing each thread as cards."""
    esc = html.escape
    columns = []
    for platform, thread in threads.items():
        cards = []
        for number, post in enumerate(thread.posts, 1):
            over = post.length > post.limit
            measure = RULES[platform].html_measure(post)
            card = ""
            if post.card:
                card = (
                    f'<div class="linkcard"><b>{esc(post.card.title)}</b>'
                    f"<span>{esc(post.card.description)}</span>"
                    f"<small>{esc(post.card.uri)}</small></div>"
                )
            cards.append(
                f'<article class="post{" over" if over else ""}" data-role="{esc(post.role)}">'
                f'<header><span class="n">{number}/{len(thread.posts)}</span>'
                f'<span class="role">{esc(post.role)}</span>'
                f'<span class="len">{esc(measure)}</span></header>'
                f'<p class="text">{_html_text(post, platform)}</p>{card}</article>'
            )
        name = platforms.name(platform)
        columns.append(
            f'<section class="thread" data-platform="{esc(platform)}">'
            f"<h2>{esc(name)} · {len(thread.posts)} posts</h2>{''.join(cards)}</section>"
        )
    warnings = "".join(f"<li>{esc(w)}</li>" for w in _warnings(issue, threads))
    label = f"#{issue.number} " if issue.number is not None else ""
    return _PAGE.format(
        title=esc(f"Preview {label}{issue.title}"),
        heading=esc(issue.title),
        url=esc(issue.url or ""),
        warnings=f'<ul class="warnings">{warnings}</ul>' if warnings else "",
        columns="".join(columns),
    )


def _html_text(post: Post, platform: str) -> str:
    pieces, last = [], 0
    for start, end, href in RULES[platform].link_spans(post):
        pieces.append(html.escape(post.text[last:start]))
        pieces.append(
            f'<a href="{html.escape(href)}" title="{html.escape(href)}">'
            f"{html.escape(post.text[start:end])}</a>"
        )
        last = end
    pieces.append(html.escape(post.text[last:]))
    return "".join(pieces).replace("\n", "<br>")


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 15px/1.45 system-ui, sans-serif; margin: 2rem; background: #f5f6f8; color: #16181c; }}
h1 {{ font-size: 1.3rem; margin: 0 0 .2rem; }}
.threads {{ display: flex; gap: 2rem; flex-wrap: wrap; align-items: flex-start; }}
.thread {{ flex: 1 1 22rem; max-width: 36rem; }}
.post {{ background: #fff; border: 1px solid #d8dde3; border-radius: 12px; padding: .8rem 1rem;
        margin: 0 0 .8rem; }}
.post.over {{ border-color: #d1242f; }}
.post header {{ display: flex; gap: .6rem; font-size: .8rem; color: #57606a; margin-bottom: .4rem; }}
.post .len {{ margin-left: auto; }}
.text {{ white-space: normal; margin: 0; overflow-wrap: anywhere; }}
a {{ color: #0969da; }}
.linkcard {{ border: 1px solid #d8dde3; border-radius: 8px; padding: .5rem .7rem; margin-top: .6rem;
            display: flex; flex-direction: column; gap: .2rem; }}
.warnings {{ color: #9a6700; }}
</style></head>
<body><h1>{heading}</h1><p><a href="{url}">{url}</a></p>{warnings}
<div class="threads">{columns}</div></body></html>
"""
