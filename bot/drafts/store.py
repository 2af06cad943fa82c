"""Provide the stored draft: validate an author's texts, keep them, and give back threads.

A draft is validated by turning every text into a :class:`~bot.compose.model.Post` with the
composer's own :func:`~bot.compose.measure.make_post` (lengths, links, facets), so a draft that
is stored always fits; and it is refused whole when one post does not. Once any post of a
platform's thread has left (the outbox row is no longer ``pending``), that thread's text can no
longer change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from bot.compose.measure import make_post, normalise, raw_text, rules_for
from bot.compose.model import Thread
from bot.drafts import DraftError, DraftPost

if TYPE_CHECKING:  # a preview of a file opens no database: sqlite-utils stays unimported (75 ms)
    from sqlite_utils import Database
from bot.errors import BotError, ComposeError
from bot.newsletter.model import Issue
from bot.settings import Settings
from bot.timeutil import Clock, iso, utcnow


class Planned(msgspec.Struct, frozen=True):
    """The threads a command uses, and whether they come from the stored draft."""

    threads: dict[str, Thread]
    draft_saved_at: str | None = None  # when the draft used was saved; None: composed
    plan: Any = None  # the composer's Plan (stories chosen and why) when nothing is drafted

    @property
    def drafted(self) -> bool:
        return self.draft_saved_at is not None


class Saved(msgspec.Struct, frozen=True):
    """What storing a draft did."""

    issue_key: str
    posts: int
    changed: bool  # the text differs from what was stored before
    approval_withdrawn: bool
    warnings: tuple[str, ...] = ()


_LABEL = re.compile(r"(?:^|\s)(\d+)/(\d+)\s*$")


def numbering_warnings(posts: Mapping[str, Sequence[DraftPost]]) -> list[str]:
    """Posts whose ``i/n`` ending no longer matches their place (a post added or dropped)."""
    out = []
    for thread in posts.values():
        for post in thread:
            match = _LABEL.search(post.text)
            wanted = (post.position + 1, len(thread))
            if match and (int(match.group(1)), int(match.group(2))) != wanted:
                out.append(f"{post.label(len(thread))} ends with {match.group(1)}/{match.group(2)}: "
                           f"renumber it {wanted[0]}/{wanted[1]}?")
    return out


def posts_of(threads: Mapping[str, Thread]) -> dict[str, list[DraftPost]]:
    """Composed (or drafted) threads as draft posts: the texts an author starts from."""
    return {
        platform: [
            DraftPost(platform, n, post.role, raw_text(post), post.item_index)
            for n, post in enumerate(thread.posts)
        ]
        for platform, thread in threads.items()
    }


def build_threads(
    issue: Issue, posts: Mapping[str, Sequence[DraftPost]], settings: Settings
) -> dict[str, Thread]:
    """Each platform's draft as a :class:`Thread`, measured by the composer's rules.

    Raises one :class:`DraftError` naming every post that does not fit (the first in full).
    """
    from bot.compose.plan import refuse_unpostable

    refuse_unpostable(issue)  # an entry without a title or link is never posted, drafted or not
    stories = {item.index for item in issue.items}
    problems: list[str] = []
    threads: dict[str, Thread] = {}
    for platform, thread_posts in posts.items():
        rules = rules_for(platform)
        template = template_thread(issue, settings, platform)
        card = template.posts[0].card if template and template.posts else None
        built = []
        for post in thread_posts:
            label = post.label(len(thread_posts))
            text = normalise(post.text)
            if post.story is not None and post.story not in stories:
                problems.append(f"{label}: the issue has no story {post.story}")
                continue
            if not text:
                problems.append(f"{label} is empty (delete its block to drop the post)")
                continue
            try:
                built.append(make_post(rules, text, role=post.role, item_index=post.story,
                                       card=card if post.position == 0 else None, where=label))
            except ComposeError as exc:
                problems.append(str(exc))
        langs = template.langs if template else tuple(settings.langs)
        threads[platform] = Thread(platform=platform, posts=tuple(built), issue_key=issue.key,
                                   langs=tuple(langs))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise DraftError(f"{problems[0]}{more}; nothing was stored")
    return threads


def template_thread(issue: Issue, settings: Settings, platform: str) -> Thread | None:
    """The composed thread without highlights: the platform's link card and languages."""
    from bot.compose.plan import plan_threads

    try:
        return plan_threads(issue, settings, platforms=[platform], count=0)[platform]
    except BotError:
        return None


def load_posts(db: Database, issue_key: str) -> tuple[dict[str, list[DraftPost]], str | None]:
    """The stored draft's posts per platform and when it was saved (``{}``, None: no draft)."""
    posts: dict[str, list[DraftPost]] = {}
    saved = None
    for row in db.query(
        "SELECT platform, position, role, story, text, saved_at FROM drafts WHERE issue_key = ?"
        " ORDER BY platform, position", [issue_key],
    ):
        posts.setdefault(row["platform"], []).append(
            DraftPost(row["platform"], row["position"], row["role"], row["text"], row["story"]))
        saved = max(saved or "", row["saved_at"])
    return posts, saved


def started(db: Database, issue_key: str) -> dict[str, list[str]]:
    """Per platform whose thread has started (a post not ``pending``): the texts recorded."""
    rows = list(db.query(
        "SELECT platform, account, text, state FROM outbox WHERE issue_key = ?"
        " ORDER BY platform, account, position", [issue_key],
    ))
    out: dict[str, list[str]] = {}
    for platform, account in {(r["platform"], r["account"]) for r in rows}:
        thread = [r for r in rows if r["platform"] == platform and r["account"] == account]
        if any(r["state"] != "pending" for r in thread):
            out[platform] = [r["text"] for r in thread]
    return out


def save(
    db: Database,
    issue: Issue,
    posts: Mapping[str, Sequence[DraftPost]],
    settings: Settings,
    *,
    clock: Clock = utcnow,
) -> Saved:
    """Validate and store ``posts`` as the issue's draft (its other platforms' drafts stay)."""
    from bot.newsletter.store import save_issue

    threads = build_threads(issue, posts, settings)
    now = iso(clock())
    from bot.db import immediate  # here, not at import: a preview of a file loads no sqlite-utils

    with immediate(db):
        save_issue(db, issue, clock=clock)
        for platform, texts in started(db, issue.key).items():
            if platform in threads and [p.text for p in threads[platform].posts] != texts:
                raise DraftError(
                    f"the {platform} thread of {_name(issue)} has started posting: its text can "
                    "no longer change (bot status shows what was posted); nothing was stored"
                )
        before, _ = load_posts(db, issue.key)
        rows = [
            (platform, n, post.role, post.story, normalise(post.text))
            for platform, thread_posts in posts.items()
            for n, post in enumerate(thread_posts)
        ]
        old = [(p.platform, p.position, p.role, p.story, p.text)
               for platform in posts for p in before.get(platform, [])]
        changed = rows != old or not before
        for platform in posts:
            db.execute("DELETE FROM drafts WHERE issue_key = ? AND platform = ?", [issue.key, platform])
        for platform, position, role, story, text in rows:
            db.execute(
                "INSERT INTO drafts (issue_key, platform, position, role, story, text, saved_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [issue.key, platform, position, role, story, text, now],
            )
        withdrawn = False
        if changed:
            withdrawn = db.execute("DELETE FROM approvals WHERE issue_key = ?", [issue.key]).rowcount > 0
    return Saved(issue.key, len(rows), changed, withdrawn, tuple(numbering_warnings(posts)))


def discard(db: Database, issue_key: str) -> int:
    """Drop an issue's stored draft (posting goes back to the composed thread); that changes
    what would be posted, so an approval is withdrawn too."""
    from bot.db import immediate  # here, not at import: a preview of a file loads no sqlite-utils

    with immediate(db):
        if started(db, issue_key):
            raise DraftError("its thread has started posting: the draft it was posted from stays")
        dropped = db.execute("DELETE FROM drafts WHERE issue_key = ?", [issue_key]).rowcount
        if dropped:
            db.execute("DELETE FROM approvals WHERE issue_key = ?", [issue_key])
        return dropped


def plan(
    db: Database | None,
    issue: Issue,
    settings: Settings,
    *,
    platforms: Sequence[str] | None = None,
    pick: Sequence[int] | None = None,
    count: int | None = None,
) -> Planned:
    """The threads ``bot preview``, ``bot post`` and ``bot run`` use: the stored draft for each
    platform it covers, the composed thread for the others."""
    from bot.compose.plan import make_plan, plan_threads

    posts, saved = load_posts(db, issue.key) if db is not None else ({}, None)
    wanted = list(platforms or settings.platforms)
    drafted = [p for p in wanted if p in posts]
    if not drafted:
        composed = make_plan(issue, settings, platforms=wanted, pick=pick, count=count)
        return Planned(composed.threads, plan=composed)
    if pick or count is not None:
        raise DraftError(
            f"{_name(issue)} has a stored draft: --pick and --highlights do not apply to it "
            "(bot draft --edit changes it; bot draft --discard drops it)"
        )
    threads = build_threads(issue, {p: posts[p] for p in drafted}, settings)
    rest = [p for p in wanted if p not in posts]
    if rest:
        threads.update(plan_threads(issue, settings, platforms=rest))
    return Planned({p: msgspec.structs.replace(threads[p], issue_key=issue.key) for p in wanted}, saved)


def _name(issue: Issue) -> str:
    return f"issue #{issue.number}" if issue.number is not None else f"issue {issue.title!r}"
