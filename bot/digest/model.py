"""Provide the digest's records: a :class:`HarvestedThread`, its :class:`Score`, the :class:`Digest`."""

from __future__ import annotations

import datetime as dt

import msgspec



class HarvestedThread(msgspec.Struct, frozen=True):
    """A harvested thread as the digest scores and shows it."""

    id: str
    platform: str
    url: str | None
    title: str  # a Reddit title, else the first line of the first post
    author_handle: str | None
    author_name: str | None
    first_post_at: dt.datetime
    author_posts: tuple[str, ...] = ()  # the author's own posts, oldest first
    replies: tuple[str, ...] = ()  # other people's posts, most liked first
    domains: tuple[str, ...] = ()  # hosts the author links to
    engagement: float = 0.0  # likes + 2 x reposts + quotes over the posts held, + replies held
    community: str | None = None  # a subreddit
    points: int = 0  # the first post's likes (a Reddit score)
    comments: int = 0  # the first post's reply count

    @property
    def text(self) -> str:
        """What keywords are looked for in: the title and the author's own posts."""
        return "\n".join([self.title, *self.author_posts])


class Score(msgspec.Struct, frozen=True):
    """A sum of named parts, each with a note saying where it came from."""

    parts: dict[str, float]
    notes: dict[str, str] = msgspec.field(default_factory=dict)

    @property
    def total(self) -> float:
        return round(sum(self.parts.values()), 2)

    def explain(self) -> str:
        """``7.75 = engagement 3.00 (218.4/day, 1st of 4 on X) + length 0.75 (4 posts) + ...``.

        Engagement is always shown (it says where the thread stands on its platform); the
        other parts only when they count.
        """
        shown = []
        for name, value in self.parts.items():
            if value or name == "engagement":
                note = f" ({self.notes[name]})" if self.notes.get(name) else ""
                shown.append(f"{name} {value:.2f}{note}")
        return f"{self.total:.2f} = " + " + ".join(shown).replace("+ used -", "- used ")


class Entry(msgspec.Struct, frozen=True):
    thread: HarvestedThread
    score: Score
    summary: str  # "" when the thread has nothing to say beyond its title
    used_in: str | None = None  # the issue it was already used in (shown with --include-used)


class Digest(msgspec.Struct, frozen=True):
    since: dt.datetime
    until: dt.datetime
    entries: tuple[Entry, ...]

    def by_platform(self, platform: str) -> list[Entry]:
        return [e for e in self.entries if e.thread.platform == platform]
