"""The outbox records each thread once, moves rows only from expected states, and leases
keep two processes from posting the same thread."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import socket

import pytest

from bot.compose.model import Card, Facet, Post, Thread
from bot.db import open_db
from bot.publish.lease import Lease, LeaseHeld
from bot.publish.outbox import (
    StateConflict,
    ThreadChanged,
    record_thread,
    summary,
    thread_posts,
    transition,
)

T0 = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone.utc)


def clock_at(moment):
    return lambda: moment


def make_thread(*texts: str, platform: str = "bluesky") -> Thread:
    posts = tuple(
        Post(
            text=text,
            length=len(text),
            limit=300,
            role="opening" if i == 0 else "highlight",
            facets=(Facet(0, 4, "https://example.org/a"),) if i == 0 else (),
            card=Card("https://example.org/a", "Title") if i == 0 else None,
        )
        for i, text in enumerate(texts)
    )
    return Thread(platform=platform, posts=posts, issue_key="issue-1", langs=("en",))


def test_record_is_idempotent(db):
    first = record_thread(db, make_thread("one", "two"), account="alice", clock=clock_at(T0))
    again = record_thread(db, make_thread("one", "two"), account="alice", clock=clock_at(T0))
    assert [p.id for p in first] == [p.id for p in again]
    assert [(p.position, p.text, p.state) for p in again] == [(0, "one", "pending"), (1, "two", "pending")]
    assert again[0].facets[0]["index"] == {
        "$type": "app.bsky.richtext.facet#byteSlice", "byteStart": 0, "byteEnd": 4
    }
    assert again[0].card["title"] == "Title"
    assert db.execute("select count(*) from outbox").fetchone()[0] == 2


def test_changed_thread_replaces_pending_rows(db):
    record_thread(db, make_thread("one", "two"), account="alice")
    posts = record_thread(db, make_thread("one", "two, edited", "three"), account="alice")
    assert [p.text for p in posts] == ["one", "two, edited", "three"]


def test_changed_thread_refused_once_anything_left(db):
    posts = record_thread(db, make_thread("one", "two"), account="alice")
    transition(db, posts[0].id, to="sending", expect=["pending"])
    with pytest.raises(ThreadChanged, match="already 0/2 posted on bluesky with a different thread"):
        record_thread(db, make_thread("one", "other"), account="alice")
    assert [p.text for p in thread_posts(db, "issue-1", "bluesky", "alice")] == ["one", "two"]


def test_transitions_are_checked_and_logged(db):
    (post,) = record_thread(db, make_thread("one"), account="alice")
    sending = transition(db, post.id, to="sending", expect=["pending"], count_attempt=True)
    assert (sending.state, sending.attempts) == ("sending", 1)
    with pytest.raises(StateConflict, match="is sending, expected pending"):
        transition(db, post.id, to="sending", expect=["pending"])
    sent = transition(
        db, post.id, to="sent", expect=["sending"], remote_id="123",
        remote_url="https://x.com/i/status/123", clock=clock_at(T0),
    )
    assert (sent.state, sent.remote_id, sent.sent_at) == ("sent", "123", "2026-11-27T09:00:00Z")
    events = [tuple(r) for r in db.execute(
        "select from_state, to_state from outbox_events where outbox_id = ? order by id", [post.id]
    )]
    assert events == [("pending", "sending"), ("sending", "sent")]
    with pytest.raises(ValueError, match="unknown outbox state"):
        transition(db, post.id, to="posted", expect=["sent"])


def test_summary_counts_states(db):
    posts = record_thread(db, make_thread("one", "two", "three"), account="alice")
    transition(db, posts[0].id, to="sending", expect=["pending"])
    transition(db, posts[0].id, to="sent", expect=["sending"], remote_url="https://bsky.app/1")
    transition(db, posts[1].id, to="sending", expect=["pending"])
    transition(db, posts[1].id, to="failed", expect=["sending"], last_error="refused")
    (row,) = summary(db)
    assert (row["posts"], row["sent"], row["pending"], row["failed"], row["unsettled"]) == (3, 1, 1, 1, 0)
    assert (row["first_url"], row["last_url"], row["last_error"]) == (
        "https://bsky.app/1", "https://bsky.app/1", "refused"
    )


def test_lease_excludes_a_second_holder(db):
    with Lease(db, "issue-1", "x", clock=clock_at(T0)):
        with pytest.raises(LeaseHeld, match="is posting issue issue-1 to x"):
            Lease(db, "issue-1", "x", clock=clock_at(T0)).acquire()
        Lease(db, "issue-1", "bluesky", clock=clock_at(T0)).acquire()  # other platform: free
    Lease(db, "issue-1", "x", clock=clock_at(T0)).acquire()  # released: free again


def test_expired_lease_is_taken_over(db):
    Lease(db, "issue-1", "x", clock=clock_at(T0)).acquire()
    later = T0 + dt.timedelta(minutes=11)
    Lease(db, "issue-1", "x", clock=clock_at(later)).acquire()


def test_lease_of_a_dead_process_is_taken_over_at_once(db):
    dead = multiprocessing.get_context("spawn").Process(target=int)
    dead.start()
    dead.join()
    db.execute(
        "insert into leases values (?, ?, ?, ?, ?)",
        ["issue-1", "x", f"{socket.gethostname()}:{dead.pid}:abcd", "2026-11-27T09:00:00Z",
         "2026-11-27T09:10:00Z"],
    )
    db.conn.commit()
    Lease(db, "issue-1", "x", clock=clock_at(T0)).acquire()


def test_renew_detects_a_lost_lease(db):
    lease = Lease(db, "issue-1", "x", clock=clock_at(T0)).acquire()
    Lease(db, "issue-1", "x", clock=clock_at(T0 + dt.timedelta(hours=1))).acquire()
    with pytest.raises(LeaseHeld, match="lost the lease"):
        lease.renew()


def _try_lease(path, barrier, results) -> None:
    db = open_db(path)
    barrier.wait()
    try:
        Lease(db, "issue-1", "x").acquire()
        results.put(True)
    except LeaseHeld:
        results.put(False)
    barrier.wait()  # hold the lease (stay alive) until both have tried


def test_two_processes_at_once_get_one_lease(db_path):
    open_db(db_path).close()
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_try_lease, args=(str(db_path), barrier, results)) for _ in range(2)]
    for proc in procs:
        proc.start()
    outcomes = sorted(results.get(timeout=60) for _ in procs)
    for proc in procs:
        proc.join(timeout=60)
    assert outcomes == [False, True]
