"""Provide the digest's two renderings: Markdown to paste into Substack, and an HTML page.

Both list the same entries in the same order, a section per platform in the registry's order:
a post's author and first line as a link and the one-line summary; a titled thread (Reddit) its
title as a link, community, points, comments and summary. Harvested text is escaped for each format, so a ``*`` or a ``<`` in a post is shown,
not obeyed.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from bot import platforms
from bot.digest.model import Digest, Entry
from bot.digest.summary import tidy

TITLE = "Tales of the Twitterverse"
EMPTY = "No harvested threads in this window: run bot harvest, or widen --since."

# Entries never start a line with harvested text, so only inline syntax needs escaping: "#" or
# "1." cannot make a heading or a list there, and "!" is harmless once "[" is escaped.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>~]|&(?=#?\w+;))")


def _sections() -> list[tuple[str, str]]:
    return [(p.id, p.digest_heading) for p in platforms.registry() if p.digest_heading]


def window(digest: Digest) -> str:
    return f"{digest.since:%Y-%m-%d %H:%M} to {digest.until:%Y-%m-%d %H:%M} UTC"


def to_markdown(digest: Digest, *, explain: bool = False) -> str:
    lines = [f"## {TITLE}", "", f"_Draft from the threads harvested {window(digest)}._", ""]
    for platform, heading in _sections():
        entries = digest.by_platform(platform)
        if entries:
            lines += [f"### {heading}", ""]
            lines += [line for entry in entries for line in _md_entry(entry, explain=explain)]
            lines.append("")
    if not digest.entries:
        lines += [EMPTY, ""]
    return "\n".join(lines)


def _md_entry(entry: Entry, *, explain: bool) -> list[str]:
    thread = entry.thread
    title = md(display_title(entry))
    link = f"[{title}]({md_url(thread.url or '')})" if _web(thread.url) else title
    if platforms.get(thread.platform).titled:
        line = f"- {link} ({md(_titled_facts(entry))})"
    else:
        line = f"- **{md(author(entry))}**: {link}"
    if entry.summary:
        line += f" — {md(entry.summary)}"
    if entry.used_in:
        line += f" _(used in issue {md(entry.used_in)})_"
    lines = [line]
    if explain:
        lines.append(f"  - `score {entry.score.explain().replace('`', '')}`")
    return lines


def md(text: str) -> str:
    """Harvested text as literal Markdown: on one line, every formatting character escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def md_url(url: str) -> str:
    """A link destination that cannot end early: spaces, brackets and parentheses encoded."""
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def to_html(digest: Digest, *, explain: bool = False) -> str:
    sections = []
    for platform, heading in _sections():
        entries = digest.by_platform(platform)
        if entries:
            items = "\n".join(_html_entry(entry, explain=explain) for entry in entries)
            sections.append(f"<section>\n<h2>{heading}</h2>\n<ul>\n{items}\n</ul>\n</section>")
    body = "\n".join(sections) or f"<p>{html.escape(EMPTY)}</p>"
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{TITLE} (draft)</title>\n"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}"
        "li{margin:.7rem 0}.summary{color:#333}.used{color:#a33}.score{display:block;color:#777;"
        "font-size:.85em}</style>\n</head>\n<body>\n"
        f"<h1>{TITLE}</h1>\n<p><em>Draft from the threads harvested {html.escape(window(digest))}.</em></p>\n"
        f"{body}\n</body>\n</html>\n"
    )


def _html_entry(entry: Entry, *, explain: bool) -> str:
    esc = html.escape
    thread = entry.thread
    title = esc(display_title(entry))
    link = f'<a href="{esc(thread.url or "")}">{title}</a>' if _web(thread.url) else title
    if platforms.get(thread.platform).titled:
        parts = [f"{link} ({esc(_titled_facts(entry))})"]
    else:
        parts = [f"<strong>{esc(author(entry))}</strong>: {link}"]
    if entry.summary:
        parts.append(f' — <span class="summary">{esc(entry.summary)}</span>')
    if entry.used_in:
        parts.append(f' <span class="used">(used in issue {esc(entry.used_in)})</span>')
    if explain:
        parts.append(f'<code class="score">score {esc(entry.score.explain())}</code>')
    return f"<li>{''.join(parts)}</li>"


def display_title(entry: Entry) -> str:
    """A titled thread's title as it is; a post's first line without links and thread markers."""
    title = entry.thread.title
    if platforms.get(entry.thread.platform).titled:
        return title
    return tidy(title) or title or "(untitled)"


def author(entry: Entry) -> str:
    handle, name = entry.thread.author_handle, entry.thread.author_name
    if handle and name:
        return f"{name} (@{handle})"
    return f"@{handle}" if handle else (name or "someone")


def _titled_facts(entry: Entry) -> str:
    thread = entry.thread
    prefix = platforms.get(thread.platform).community_prefix
    where = f"{prefix}{thread.community}, " if thread.community else ""
    return f"{where}{thread.points} points, {thread.comments} comments"


def _web(url: str | None) -> bool:
    """Only http(s) links are made clickable: a stored URL is data, not trusted markup."""
    return url is not None and url.lower().startswith(("https://", "http://"))
