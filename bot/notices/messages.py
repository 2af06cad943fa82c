"""Provide the review notices' text: a new issue to review, posted, refused, stuck.

Each names the issue, says what happens next and the command that changes it; the new-issue
notice carries the text preview in its body and the HTML preview as an attachment (and a link
to the review page when ``[serve] public_url`` is set).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from bot.compose.model import Thread
from bot.newsletter.model import Issue
from bot.notices.notifier import Notice
from bot.timeutil import iso


def _name(issue: Issue) -> str:
    return issue.title if issue.number is None or f"#{issue.number}" in issue.title \
        else f"#{issue.number} {issue.title}"


def ref(issue: Issue) -> str:
    """How commands take the issue: its number, else its key."""
    return str(issue.number) if issue.number is not None else issue.key


def page_url(public_url: str | None, issue_key: str) -> str | None:
    """The issue's review page on ``bot serve``, when its public address is configured."""
    return f"{public_url.rstrip('/')}/issue/{quote(issue_key, safe='')}" if public_url else None


def new_issue(
    issue: Issue,
    threads: Mapping[str, Thread] | None,
    *,
    post_after: dt.datetime | None,
    now: dt.datetime,
    require_approval: bool,
    public_url: str | None = None,
    drafted: bool = False,
    error: str | None = None,
    accounts: Mapping[str, Any] | None = None,
) -> Notice:
    """A new issue was seen: when it posts (or that it waits), and what it will post."""
    from bot import preview as render

    if require_approval:
        title = f"Review: {_name(issue)} waits for your approval"
        when = f"It is not posted until you approve it: bot approve {ref(issue)}"
    else:
        minutes = max(0, round(((post_after or now) - now).total_seconds() / 60))
        title = f"Review: {_name(issue)} posts at {iso(post_after or now)}"
        when = (f"It posts at {iso(post_after or now)} (in {minutes} minutes) unless you hold it: "
                f"bot hold {ref(issue)}")
    lines = [f"New issue: {_name(issue)}", issue.url or "(no URL)", "", when,
             f"Edit it first: bot draft --edit {ref(issue)}"]
    link = page_url(public_url, issue.key)
    if link:
        lines.append(f"Review page: {link}")
    html = None
    if error:
        lines += ["", f"It cannot be composed as it is: {error}"]
    elif threads:
        lines.append("The HTML preview is attached." + (" (from your stored draft)" if drafted else ""))
        lines += ["", render.to_text(issue, threads).rstrip()]
        html = render.to_html(issue, threads, accounts=accounts)
    return Notice("new", title, "\n".join(lines) + "\n", html=html,
                  attachment_name=f"preview-{ref(issue)}.html".replace(":", "-").replace("/", "-"))


def posted(issue: Issue, results: Sequence[Any]) -> Notice:
    """Every platform's thread is posted: the links."""
    lines = [f"Posted: {_name(issue)}", ""]
    lines += [f"{r.platform}: {len(r.posts)} posts {r.url or ''}".rstrip() for r in results]
    return Notice("posted", f"Posted: {_name(issue)}", "\n".join(lines) + "\n")


def problem(issue: Issue, errors: Sequence[str], *, refused: bool, next_try: dt.datetime) -> Notice:
    """A platform refused a post, or a thread is not finished (a rate limit, an outage)."""
    if refused:
        title = f"Refused: {_name(issue)}"
        advice = (f"Fix the cause (bot draft --edit {ref(issue)} if it is the text), then "
                  f"bot post {issue.url or ref(issue)} --retry-failed")
    else:
        title = f"Not posted yet: {_name(issue)}"
        advice = f"bot run tries again after {iso(next_try)}; bot status shows where it stopped"
    lines = [title, "", *errors, "", advice]
    return Notice("refused" if refused else "stuck", title, "\n".join(lines) + "\n")
