"""Provide the approval gate and each issue's review state.

``bot approve`` records an approval and makes the issue due at the next check (it also lifts a
hold: approving is the author's go). With ``[run] require_approval``, ``bot run`` posts only
approved issues; without it the review window still applies to the others. A new draft
withdraws the approval (:func:`bot.drafts.store.save`): what was approved is what goes out.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from bot.db import immediate
from bot.errors import BotError
from bot.holds import resolve_issue_key
from bot.timeutil import Clock, iso, utcnow

#: What bot status and bot serve show for an issue, in the order it moves through them.
STATES = ("backlog", "new", "drafted", "approved", "held", "posting", "posted", "refused")


def approve(db: Database, ref: str, *, via: str = "cli", clock: Clock = utcnow) -> str:
    """Approve an issue (its number, key or URL): bot run posts it at its next check."""
    key = resolve_issue_key(db, ref)
    now = iso(clock())
    with immediate(db):
        state = issue_state(db, key)
        if state and state["state"] in ("posting", "posted", "refused"):
            raise BotError(f"issue {ref} is already {state['state']}; there is nothing to approve")
        db.execute(
            "INSERT INTO approvals (issue_key, approved_at, via) VALUES (?, ?, ?)"
            " ON CONFLICT (issue_key) DO UPDATE SET approved_at = excluded.approved_at, via = excluded.via",
            [key, now, via],
        )
        db.execute(
            "INSERT INTO schedule (issue_key, status, held, post_after, created_at, updated_at)"
            " VALUES (?, 'waiting', 0, ?, ?, ?) ON CONFLICT (issue_key) DO UPDATE SET held = 0,"
            " status = CASE WHEN status = 'posted' THEN status ELSE 'waiting' END,"
            " post_after = MIN(COALESCE(post_after, excluded.post_after), excluded.post_after),"
            " updated_at = excluded.updated_at",
            [key, now, now, now],
        )
    return key


def awaiting_approval(db: Database) -> int:
    """Issues bot run would post but for a missing approval."""
    return db.execute(
        "SELECT COUNT(*) FROM schedule s WHERE status = 'waiting' AND held = 0 AND NOT EXISTS"
        " (SELECT 1 FROM approvals a WHERE a.issue_key = s.issue_key)"
    ).fetchone()[0]


_STATE_SQL = """
SELECT i.key AS issue_key, i.number, i.title, i.url, s.status, COALESCE(s.held, 0) AS held,
       s.post_after, COALESCE(s.attempts, 0) AS attempts, s.last_error, a.approved_at,
       (SELECT MAX(saved_at) FROM drafts d WHERE d.issue_key = i.key) AS drafted_at,
       (SELECT COUNT(*) FROM outbox o WHERE o.issue_key = i.key) AS posts,
       (SELECT COUNT(*) FROM outbox o WHERE o.issue_key = i.key AND o.state = 'sent') AS sent,
       (SELECT COUNT(*) FROM outbox o WHERE o.issue_key = i.key AND o.state != 'pending') AS started
FROM issues i LEFT JOIN schedule s ON s.issue_key = i.key
LEFT JOIN approvals a ON a.issue_key = i.key
"""


def _state(row: dict[str, Any]) -> str:
    if row["status"] == "posted" or (row["posts"] and row["sent"] == row["posts"]):
        return "posted"
    if row["status"] == "failed":  # bot run ended it: every unposted thread was refused
        return "refused"
    if row["started"]:
        return "posting"
    if row["held"]:
        return "held"
    if row["approved_at"]:
        return "approved"
    if row["drafted_at"]:
        return "drafted"
    return "backlog" if row["status"] == "backlog" else "new"


def issue_states(db: Database, *, limit: int = 20) -> list[dict[str, Any]]:
    """Every stored issue but the quiet back catalogue (unless drafted, approved, held or
    posted), newest first, each with its ``state`` (one of :data:`STATES`)."""
    rows = db.query(
        _STATE_SQL + " WHERE s.issue_key IS NULL OR s.status != 'backlog' OR s.held"
        " OR a.issue_key IS NOT NULL OR EXISTS (SELECT 1 FROM drafts d WHERE d.issue_key = i.key)"
        " OR EXISTS (SELECT 1 FROM outbox o WHERE o.issue_key = i.key)"
        " ORDER BY COALESCE(s.created_at, i.first_seen_at) DESC LIMIT ?", [limit],
    )
    return [{**row, "state": _state(row)} for row in rows]


def issue_state(db: Database, key: str) -> dict[str, Any] | None:
    row = next(db.query(_STATE_SQL + " WHERE i.key = ?", [key]), None)
    return {**row, "state": _state(row)} if row else None


def next_step(row: dict[str, Any], *, require_approval: bool) -> str:
    """What happens to an issue next, in words, with the command that changes it."""
    ref = str(row["number"]) if row["number"] is not None else row["issue_key"]
    state = row["state"]
    if state in ("new", "drafted"):
        if row["status"] is None:
            return f"not scheduled: bot approve {ref} has bot run post it"
        if require_approval:
            return f"waits for approval (bot approve {ref})"
        return f"posts after {row['post_after']} (bot hold {ref} keeps it)"
    if state == "approved":
        return "posts at bot run's next check"
    if state == "held":
        return f"held until bot release {ref} or bot approve {ref}"
    if state == "backlog":
        return f"back catalogue, not posted (bot release {ref} posts it)"
    if state == "refused":
        return (f"{row['sent']}/{row['posts']} posts sent; bot run will not post it again "
                f"(bot post {ref} --retry-failed tries again)")
    if state == "posting":
        return f"{row['sent']}/{row['posts']} posts sent" + (
            f"; last error: {row['last_error']}" if row["last_error"] else "")
    return f"{row['sent']}/{row['posts']} posts sent"
