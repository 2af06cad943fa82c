"""Provide :func:`fetch_thread`: one X conversation rebuilt, reading only what we do not hold.

X charges $0.005 for each post it returns (``pricing.mdx``, 2026-04-20), so a thread we have
read before is not read again: the posts the database holds come from their stored ``raw``
JSON, the tweet lookups are skipped when we hold those tweets, and the ``conversation_id:``
search asks only for posts newer than the newest one we hold (``since_id``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from collectors.base import Page
from collectors.http import CollectorError
from collectors.x import FIELDS, _errors, _parent, parse_ref


def fetch_thread(collector: Any, ref: str) -> Iterator[Page]:
    """One page: the conversation's root and its author's self-replies (or every reply)."""
    tweet_id = parse_ref(ref) or (ref if ref.isdigit() else None)
    if tweet_id is None:
        raise CollectorError(f"x: not a status URL: {ref}")
    before = collector.requests
    db = getattr(collector, "db", None)
    first = held_body(db, [tweet_id]) if db is not None else None
    if first is None:
        first = collector._call(collector.client.get_tweet, tweet_id, **FIELDS)
        if not isinstance(first.get("data"), dict):
            raise CollectorError(f"x: tweet {tweet_id} not found ({_errors(first)})")
    else:
        first["data"] = first["data"][0]
    conversation = str(first["data"].get("conversation_id") or tweet_id)
    bodies = [first]
    held = held_conversation(db, conversation) if db is not None else None
    if held is not None:
        bodies.append(held)
    held_ids = {str(t["id"]) for t in (held or {}).get("data", [])}
    if conversation != tweet_id and conversation not in held_ids:
        bodies.append(collector._call(collector.client.get_tweet, conversation, **FIELDS))
    since = newest_recent(held_ids)
    token = None
    while True:
        body = collector._call(
            collector.client.search_recent_tweets, f"conversation_id:{conversation}",
            max_results=100, next_token=token, since_id=since, **FIELDS,
        )
        bodies.append(body)
        next_token = (body.get("meta") or {}).get("next_token")
        if not next_token or next_token == token:
            break
        token = next_token
    merged = merge_thread(bodies, conversation, include_replies=collector.include_replies)
    yield Page(raw=merged, state=None, requests=collector.requests - before)


TWEPOCH_MS = 1288834974657  # X's snowflake epoch
RECENT = 7 * 86400 - 3600  # recent search's window (7 days), with an hour to spare


def newest_recent(tweet_ids: set[str], *, now: float | None = None) -> str | None:
    """The newest of ``tweet_ids`` if recent search still takes it as ``since_id`` (X refuses
    one older than its 7-day window; an older thread is searched whole, as before)."""
    import time

    if not tweet_ids:
        return None
    newest = max(tweet_ids, key=int)
    made = ((int(newest) >> 22) + TWEPOCH_MS) / 1000
    return newest if (now or time.time()) - made < RECENT else None


def held_body(db: Any, tweet_ids: list[str]) -> dict[str, Any] | None:
    """A v2-shaped body of the tweets we hold (all of ``tweet_ids``), with their authors; None
    if any is missing."""
    rows = list(db.query(
        f"SELECT raw FROM posts WHERE id IN ({', '.join('?' for _ in tweet_ids)}) AND raw IS NOT NULL",
        [f"x:{t}" for t in tweet_ids]))
    if len(rows) != len(tweet_ids):
        return None
    return _with_authors(db, [json.loads(r["raw"]) for r in rows])


def held_conversation(db: Any, conversation: str) -> dict[str, Any] | None:
    """Every post of the conversation we hold, as one body; None if we hold none."""
    rows = list(db.query("SELECT raw FROM posts WHERE thread_id = ? AND raw IS NOT NULL",
                         [f"x:{conversation}"]))
    return _with_authors(db, [json.loads(r["raw"]) for r in rows]) if rows else None


def _with_authors(db: Any, tweets: list[dict[str, Any]]) -> dict[str, Any]:
    ids = sorted({f"x:{t['author_id']}" for t in tweets if t.get("author_id") is not None})
    users = [json.loads(r["raw"]) for r in db.query(
        f"SELECT raw FROM authors WHERE id IN ({', '.join('?' for _ in ids)}) AND raw IS NOT NULL",
        ids)] if ids else []
    return {"data": tweets, "includes": {"users": users}}


def merge_thread(bodies: list[dict[str, Any]], conversation: str, *, include_replies: bool = False) -> dict[str, Any]:
    """One v2-shaped body: the root, then its author's self-reply chain (or every reply)."""
    tweets: dict[str, dict[str, Any]] = {}
    users: dict[str, dict[str, Any]] = {}
    for body in bodies:
        includes = body.get("includes") or {}
        data = body.get("data")
        for tweet in [*(data if isinstance(data, list) else [data] if data else []), *includes.get("tweets", [])]:
            if isinstance(tweet, dict) and tweet.get("id") is not None:
                tweets.setdefault(str(tweet["id"]), tweet)
        for user in includes.get("users", []):
            if isinstance(user, dict) and user.get("id") is not None:
                users.setdefault(str(user["id"]), user)
    root = tweets.get(conversation)
    if root is None:
        raise CollectorError(f"x: the conversation's first post {conversation} is not available")
    members = [t for t in tweets.values() if str(t.get("conversation_id") or conversation) == conversation]
    ordered = sorted(members, key=lambda t: int(t["id"]))
    if include_replies:
        chain = ordered
    else:
        author = str(root.get("author_id"))
        chain_ids = {conversation}
        for tweet in ordered:
            if str(tweet.get("author_id")) == author and _parent(tweet) in chain_ids:
                chain_ids.add(str(tweet["id"]))
        chain = [t for t in ordered if str(t["id"]) in chain_ids]
    wanted_users = {str(t.get("author_id")) for t in chain}
    return {
        "data": chain,
        "includes": {"users": [u for uid, u in users.items() if uid in wanted_users]},
        "meta": {"result_count": len(chain), "conversation_id": conversation},
    }
