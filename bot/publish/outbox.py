"""Provide the outbox: the single source of truth for "was this posted?".

One row per (issue, platform, account, position) under a UNIQUE constraint. A row moves
``pending → sending → sent`` (or ``unknown`` when the outcome is uncertain, ``failed`` when the
platform refused it), and every transition is its own committed transaction, so a crash at
any point leaves a state the next run can reason about: ``sending``/``unknown`` rows are
reconciled against the platform before anything is sent again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlite_utils import Database

from bot.compose.model import Thread
from bot.db import immediate
from bot.errors import BotError
from bot.timeutil import Clock, iso, utcnow

STATES = ("pending", "sending", "sent", "unknown", "failed")
UNSETTLED = ("sending", "unknown")


class ThreadChanged(BotError):
    """The composed thread differs from the one already (partly) posted."""


class StateConflict(BotError):
    """A transition was asked from a state the row is not in (another process moved it)."""


class OutboxPost(msgspec.Struct, frozen=True):
    """One outbox row."""

    id: int
    issue_key: str
    platform: str
    account: str
    position: int
    role: str
    text: str
    state: str
    facets: list[dict[str, Any]] = msgspec.field(default_factory=list)
    card: dict[str, Any] | None = None
    langs: list[str] = msgspec.field(default_factory=list)
    remote_id: str | None = None
    remote_uri: str | None = None
    remote_cid: str | None = None
    remote_url: str | None = None
    rkey: str | None = None
    record: dict[str, Any] | None = None
    attempts: int = 0
    last_error: str | None = None
    created_at: str = ""
    updated_at: str = ""
    sent_at: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> OutboxPost:
        data = dict(row)
        for key, empty in (("facets", []), ("card", None), ("langs", []), ("record", None)):
            data[key] = json.loads(data[key]) if data.get(key) else empty
        return cls(**data)


def _thread_rows(thread: Thread) -> list[dict[str, Any]]:
    rows = []
    for position, post in enumerate(thread.posts):
        card = None
        if post.card:
            card = {
                "uri": post.card.uri,
                "title": post.card.title,
                "description": post.card.description,
                "image_url": post.card.image_url,
            }
        rows.append(
            {
                "position": position,
                "role": post.role,
                "text": post.text,
                "facets": json.dumps([f.to_lexicon() for f in post.facets], ensure_ascii=False),
                "card": json.dumps(card, ensure_ascii=False) if card else None,
                "langs": json.dumps(list(thread.langs)),
            }
        )
    return rows


_COMPARED = ("role", "text", "facets", "card")


def record_thread(
    db: Database, thread: Thread, *, account: str, clock: Clock = utcnow
) -> list[OutboxPost]:
    """Record a composed thread as pending rows, or confirm it matches what is recorded.

    Recording twice is a no-op. A different thread replaces the recorded one only while
    nothing of it has left (every row still ``pending``); once anything is sent or in
    flight, a different thread is refused, so nothing is posted that preview did not show.
    """
    if not thread.issue_key:
        raise ValueError("thread has no issue_key")
    wanted = _thread_rows(thread)
    now = iso(clock())
    with immediate(db):
        existing = _select(db, thread.issue_key, thread.platform, account)
        if existing:
            same = len(existing) == len(wanted) and all(
                old[key] == new[key]
                for old, new in zip(existing, wanted)
                for key in _COMPARED
            )
            if same:
                return [OutboxPost.from_row(r) for r in existing]
            started = [r for r in existing if r["state"] != "pending"]
            if started:
                raise ThreadChanged(
                    f"issue {thread.issue_key} is already {_progress(existing)} on {thread.platform} "
                    "with a different thread; refusing to change it (bot status shows what was posted)"
                )
            db.execute(
                "DELETE FROM outbox WHERE issue_key = ? AND platform = ? AND account = ?",
                [thread.issue_key, thread.platform, account],
            )
        for row in wanted:
            db.execute(
                "INSERT INTO outbox (issue_key, platform, account, position, role, text, facets,"
                " card, langs, state, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                [
                    thread.issue_key, thread.platform, account, row["position"], row["role"],
                    row["text"], row["facets"], row["card"], row["langs"], now, now,
                ],
            )
        rows = _select(db, thread.issue_key, thread.platform, account)
    return [OutboxPost.from_row(r) for r in rows]


def _progress(rows: Sequence[dict[str, Any]]) -> str:
    sent = sum(1 for r in rows if r["state"] == "sent")
    return f"{sent}/{len(rows)} posted"


def _select(db: Database, issue_key: str, platform: str, account: str) -> list[dict[str, Any]]:
    return list(
        db.query(
            "SELECT * FROM outbox WHERE issue_key = ? AND platform = ? AND account = ?"
            " ORDER BY position",
            [issue_key, platform, account],
        )
    )


def thread_posts(db: Database, issue_key: str, platform: str, account: str) -> list[OutboxPost]:
    """The recorded posts of one thread, in order."""
    return [OutboxPost.from_row(r) for r in _select(db, issue_key, platform, account)]


_FIELDS = {
    "remote_id", "remote_uri", "remote_cid", "remote_url", "rkey", "record", "last_error", "sent_at",
}


def transition(
    db: Database,
    post_id: int,
    *,
    to: str,
    expect: Sequence[str],
    clock: Clock = utcnow,
    count_attempt: bool = False,
    **fields: Any,
) -> OutboxPost:
    """Move one row to ``to`` if it is in one of ``expect``, set ``fields``, and commit."""
    if to not in STATES:
        raise ValueError(f"unknown outbox state {to!r}")
    unknown = set(fields) - _FIELDS
    if unknown:
        raise ValueError(f"unknown outbox fields {sorted(unknown)}")
    now = iso(clock())
    values = {k: (json.dumps(v, ensure_ascii=False) if k == "record" and v is not None else v)
              for k, v in fields.items()}
    if to == "sent" and "sent_at" not in values:
        values["sent_at"] = now
    with immediate(db):
        row = next(db.query("SELECT state FROM outbox WHERE id = ?", [post_id]), None)
        if row is None:
            raise StateConflict(f"outbox row {post_id} does not exist")
        if row["state"] not in expect:
            raise StateConflict(
                f"outbox row {post_id} is {row['state']}, expected {' or '.join(expect)}"
            )
        assignments = ", ".join(f"{column} = ?" for column in values)
        sql = "UPDATE outbox SET state = ?, updated_at = ?"
        params: list[Any] = [to, now]
        if assignments:
            sql += ", " + assignments
            params.extend(values.values())
        if count_attempt:
            sql += ", attempts = attempts + 1"
        db.execute(sql + " WHERE id = ?", [*params, post_id])
        db.execute(
            "INSERT INTO outbox_events (outbox_id, from_state, to_state, at, detail)"
            " VALUES (?, ?, ?, ?, ?)",
            [post_id, row["state"], to, now, fields.get("last_error")],
        )
        new = next(db.query("SELECT * FROM outbox WHERE id = ?", [post_id]))
    return OutboxPost.from_row(new)


def attempted_at(db: Database, post_id: int) -> str | None:
    """When the post was last handed to the platform (its latest ``sending`` transition)."""
    row = next(db.query("SELECT MAX(at) AS at FROM outbox_events WHERE outbox_id = ? AND to_state = 'sending'",
                        [post_id]), None)
    return row["at"] if row else None


def refusal(db: Database, issue_key: str, platform: str, account: str) -> dict[str, Any] | None:
    """The platform's refusal to continue this thread, if it refused it."""
    return next(db.query("SELECT * FROM refusals WHERE issue_key = ? AND platform = ? AND account = ?",
                         [issue_key, platform, account]), None)


def refuse(db: Database, post: OutboxPost, reason: str, *, clock: Clock = utcnow) -> None:
    """Record that the platform refused ``post`` in a way no rerun can change."""
    with immediate(db):
        db.execute("INSERT OR REPLACE INTO refusals (issue_key, platform, account, position, reason, at)"
                   " VALUES (?, ?, ?, ?, ?, ?)",
                   [post.issue_key, post.platform, post.account, post.position, reason, iso(clock())])


def reset_failed(
    db: Database, issue_key: str, platform: str, account: str, *, clock: Clock = utcnow
) -> int:
    """Put a thread's ``failed`` posts (and duplicate-content ones) back to ``pending`` once
    their cause is fixed, and forget the platform's refusal of the thread.

    A post is ``failed`` only when the platform refused it and it is known not to exist, so
    sending it again cannot duplicate it; its planned record (Bluesky) is dropped so a fresh
    one is made.
    """
    with immediate(db):
        cleared = db.execute("DELETE FROM refusals WHERE issue_key = ? AND platform = ? AND account = ?",
                             [issue_key, platform, account]).rowcount
    # A post X refused as duplicate content is kept unknown; sending it again is safe (X refuses
    # an identical text again rather than make a second one), so the author may ask for it.
    failed = [p for p in thread_posts(db, issue_key, platform, account) if p.state == "failed"
              or (p.state == "unknown" and (p.last_error or "").startswith("duplicate content"))]
    for post in failed:
        transition(db, post.id, to="pending", expect=["failed", "unknown"], clock=clock, rkey=None, record=None,
                   remote_uri=None, remote_cid=None, remote_url=None,
                   last_error=f"retried after: {post.last_error}")
    return len(failed) + cleared


def summary(db: Database) -> list[dict[str, Any]]:
    """Per issue, platform and account: counts by state, first and last remote URL, errors."""
    return list(
        db.query(
            """
            SELECT o.issue_key, o.platform, o.account,
                   i.number, i.title,
                   COUNT(*) AS posts,
                   SUM(o.state = 'sent') AS sent,
                   SUM(o.state = 'pending') AS pending,
                   SUM(o.state IN ('sending', 'unknown')) AS unsettled,
                   SUM(o.state = 'failed') AS failed,
                   (SELECT reason FROM refusals r WHERE r.issue_key = o.issue_key
                      AND r.platform = o.platform AND r.account = o.account) AS refused,
                   (SELECT remote_url FROM outbox f WHERE f.issue_key = o.issue_key
                      AND f.platform = o.platform AND f.account = o.account
                      AND f.position = 0) AS first_url,
                   (SELECT remote_url FROM outbox l WHERE l.issue_key = o.issue_key
                      AND l.platform = o.platform AND l.account = o.account
                      AND l.state = 'sent' ORDER BY l.position DESC LIMIT 1) AS last_url,
                   (SELECT last_error FROM outbox e WHERE e.issue_key = o.issue_key
                      AND e.platform = o.platform AND e.account = o.account
                      AND e.last_error IS NOT NULL ORDER BY e.updated_at DESC LIMIT 1)
                      AS last_error,
                   MAX(o.updated_at) AS updated_at
            FROM outbox o LEFT JOIN issues i ON i.key = o.issue_key
            GROUP BY o.issue_key, o.platform, o.account
            ORDER BY MAX(o.created_at) DESC, o.platform
            """
        )
    )
