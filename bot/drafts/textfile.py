"""Provide the draft file: an issue's threads as plain text a person edits in any editor.

Why plain text and not TOML or JSON: a post is shown exactly as it will be posted, with no
quoting or escaping (quotes, backslashes and emoji are common in posts, and a TOML string
would need them escaped), blank lines inside a post stay blank lines, and the file diffs
well. Each post starts with a line that names it and its limit::

    # issue: https://ml4sci.substack.com/p/ml4sci-33
    --- x 2/8 · story 2 · limit 280 X weighted length ---
    🤯 NVIDIA VP predicts ... 2/8

Only the ``# issue:`` line and the ``---`` lines are read back (platform, role, story); the
limit on them is for the reader, and every length is measured again on apply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from bot.compose.length import RULES
from bot.drafts import DraftError, DraftPost
from bot.newsletter.model import Issue

_SEPARATOR = re.compile(r"^--- (?P<platform>[a-z0-9_-]+) (?P<n>\d+)/(?P<total>\d+)(?P<meta>.*?) ---\s*$")
_STORY = re.compile(r"\bstory (\d+)")
_ISSUE = re.compile(r"^#\s*issue:\s*(\S.*?)\s*$")

HELP = """\
# Edit the text under any "---" line; keep the "---" lines themselves (they say which post
# follows: its platform, place, story and limit). URLs are written in full: X counts each as
# 23 characters, Bluesky shows it shortened and links it. A post's "i/n" ending is part of its
# text. Delete a post's block to drop that post. Lines starting with "#" up here are comments.
# Store it with:  bot draft --apply FILE   (every post is measured again; nothing is stored
# if one does not fit)"""


def limit_text(platform: str) -> str:
    """A post's limit as the file shows it: ``limit 280 X weighted length``."""
    rules = RULES.get(platform)
    if rules is None:
        return "limit unknown"
    byte_limit = getattr(rules, "byte_limit", None)  # Bluesky counts UTF-8 bytes too
    if byte_limit:
        return f"limit {rules.limit} {rules.unit}, {byte_limit} bytes"
    return f"limit {rules.limit} {rules.unit}"


def _meta(post: DraftPost) -> str:
    if post.role in ("opening", "closing"):
        what = post.role
    elif post.story is not None:
        what = f"story {post.story}" + (", continued" if post.role == "continuation" else "")
    else:
        what = post.role
    return f" · {what} · {limit_text(post.platform)}"


def write(issue: Issue, posts: Mapping[str, Sequence[DraftPost]], *, stored: str | None = None) -> str:
    """The whole file: a header naming the issue, then each platform's posts in order."""
    number = f"#{issue.number} " if issue.number is not None else ""
    lines = [
        f"# Draft of issue {number}· {issue.title}",
        f"# issue: {issue.key}",
        "# " + (f"the stored draft, saved {stored}" if stored else "as composed; not stored yet"),
        HELP,
    ]
    for platform, thread in posts.items():
        for post in thread:
            lines.extend(["", f"--- {platform} {post.position + 1}/{len(thread)}{_meta(post)} ---",
                          post.text])
    return "\n".join(lines) + "\n"


def parse(text: str, *, name: str = "the draft") -> tuple[str, dict[str, list[DraftPost]]]:
    """The issue key and each platform's posts; a one-line :class:`DraftError` naming the line."""
    key: str | None = None
    posts: dict[str, list[DraftPost]] = {}
    current: tuple[str, str, int | None] | None = None
    body: list[str] = []

    def close() -> None:
        if current is not None:
            platform, role, story = current
            thread = posts.setdefault(platform, [])
            thread.append(DraftPost(platform, len(thread), role, "\n".join(body).strip("\n"), story))

    for number, line in enumerate(text.splitlines(), 1):
        match = _SEPARATOR.match(line)
        if match:
            close()
            current, body = _heading(match, number, name), []
            continue
        if current is not None:
            body.append(line)
            continue
        issue = _ISSUE.match(line)
        if issue:
            key = issue.group(1)
        elif line.strip() and not line.lstrip().startswith("#"):
            raise DraftError(
                f"{name} line {number}: text before the first post (posts start at a line like "
                f"'--- x 1/8 · opening · limit 280 X weighted length ---')"
            )
    close()
    if not key:
        raise DraftError(f"{name} has no '# issue: KEY' line: write the file with bot draft SOURCE -o FILE")
    if not posts:
        raise DraftError(f"{name} has no posts (no '--- x 1/8 ---' lines)")
    return key, posts


def _heading(match: re.Match[str], number: int, name: str) -> tuple[str, str, int | None]:
    platform, meta = match.group("platform"), match.group("meta")
    if platform not in RULES:
        raise DraftError(f"{name} line {number}: unknown platform {platform!r} (use {', '.join(RULES)})")
    story_match = _STORY.search(meta)
    story = int(story_match.group(1)) if story_match else None
    if "opening" in meta:
        role = "opening"
    elif "closing" in meta:
        role = "closing"
    elif story is not None and "continued" in meta:
        role = "continuation"
    else:
        role = "highlight"
    return platform, role, story
