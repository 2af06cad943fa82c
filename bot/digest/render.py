"""Provide the digest's two renderings: Markdown that pastes into Substack, and an HTML page."""

from __future__ import annotations

import html

from bot.digest.build import Digest, Entry

SECTIONS = (("x", "On X"), ("bluesky", "On Bluesky"))


def _who(entry: Entry) -> str:
    handle = entry.thread.author_handle
    if not handle:
        return entry.thread.author_name or "someone"
    return f"@{handle}" + (f" ({entry.thread.author_name})" if entry.thread.author_name else "")


def _heading(digest: Digest) -> str:
    return f"{digest.since:%Y-%m-%d} to {digest.until:%Y-%m-%d}"


def to_markdown(digest: Digest, *, explain: bool = False) -> str:
    lines = ["## Tales of the Twitterverse (draft)", "", f"_Harvested threads, {_heading(digest)}._", ""]
    for platform, title in SECTIONS:
        entries = digest.by_platform(platform)
        if not entries:
            continue
        lines += [f"### {title}", ""]
        for entry in entries:
            link = f" ([link]({entry.thread.url}))" if entry.thread.url else ""
            lines.append(f"- **{_who(entry)}**: {_md(entry.thread.title)}{link}")
            if entry.summary and entry.summary != entry.thread.title:
                lines.append(f"  {_md(entry.summary)}")
            if explain:
                lines.append(f"  `score {entry.score.explain()}`")
        lines.append("")
    reddit = digest.by_platform("reddit")
    if reddit:
        lines += ["### From Reddit", ""]
        for entry in reddit:
            where = f"r/{entry.thread.community}, " if entry.thread.community else ""
            title = f"[{_md(entry.thread.title)}]({entry.thread.url})" if entry.thread.url else _md(entry.thread.title)
            lines.append(f"- {title} ({where}{entry.thread.points} points, "
                         f"{entry.thread.comments} comments): {_md(entry.summary)}")
            if explain:
                lines.append(f"  `score {entry.score.explain()}`")
        lines.append("")
    if not digest.entries:
        lines += ["_No harvested threads in this window: run bot harvest first._", ""]
    return "\n".join(lines)


def _md(text: str) -> str:
    """Escape what Markdown would otherwise take as formatting in harvested text."""
    for char in "\\`*_[]<>":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def to_html(digest: Digest, *, explain: bool = False) -> str:
    esc = html.escape
    parts = []
    for platform, title in (*SECTIONS, ("reddit", "From Reddit")):
        entries = digest.by_platform(platform)
        if not entries:
            continue
        items = []
        for entry in entries:
            link = f'<a href="{esc(entry.thread.url)}">{esc(entry.thread.title)}</a>' if entry.thread.url \
                else esc(entry.thread.title)
            who = esc(_who(entry)) if platform != "reddit" else esc(
                f"r/{entry.thread.community}" if entry.thread.community else "Reddit")
            score = f'<code class="score">{esc(entry.score.explain())}</code>' if explain else ""
            items.append(f"<li><b>{who}</b>: {link}<p>{esc(entry.summary)}</p>{score}</li>")
        parts.append(f"<section><h2>{esc(title)}</h2><ol>{''.join(items)}</ol></section>")
    body = "".join(parts) or "<p>No harvested threads in this window: run bot harvest first.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tales of the Twitterverse '
        f"(draft)</title><style>body{{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;"
        f"padding:0 1rem}}li{{margin:.6rem 0}}li p{{margin:.2rem 0;color:#444}}.score{{color:#777}}</style>"
        f"</head><body><h1>Tales of the Twitterverse (draft)</h1><p>Harvested threads, "
        f"{esc(_heading(digest))}.</p>{body}</body></html>\n"
    )
