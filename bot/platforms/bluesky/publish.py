"""Provide :class:`BlueskyPublisher`: a whole thread in one ``applyWrites`` call, all or nothing.

The records (keys, texts, reply references, CIDs) are fixed and committed to the outbox
before the write, so after any failure the next run reads the records back by their keys:
present with the expected CIDs means posted; absent means the very same writes go again.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from typing import Any

from sqlite_utils import Database

from bot.db import immediate
from bot.errors import BotError
from bot.platforms.bluesky.records import POST, external_card, plan_records, post_url
from bot.publish.outbox import OutboxPost, thread_posts, transition
from bot.sessions import forget_session, load_session, save_session
from bot.timeutil import Clock, iso, utcnow

log = logging.getLogger(__name__)

MAX_THUMB_BYTES = 1_000_000


class BlueskyPostingError(BotError):
    """Bluesky refused or could not take the thread."""


class BlueskyPublisher:
    """Post outbox threads to one Bluesky account."""

    platform = "bluesky"

    def __init__(
        self,
        *,
        db: Database,
        pds_url: str,
        handle: str,
        password: str,
        timeout: float = 20.0,
        clock: Clock = utcnow,
        fetch_image: Callable[[str], tuple[bytes, str] | None] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.pds_url = pds_url
        self.handle = handle
        self._password = password
        self.timeout = timeout
        self.clock = clock
        self.fetch_image = fetch_image or (lambda url: fetch_image_http(url, timeout=timeout))
        self.rng = rng or random.Random()
        self._client: Any = None
        self.requests = 0

    @property
    def account(self) -> str:
        return self.handle

    def take_reads(self) -> list[Any]:
        return []  # Bluesky charges nothing

    # -- session ---------------------------------------------------------------------------
    def client(self) -> Any:
        """A logged-in client, reusing the stored session; logs in only when it must."""
        if self._client is not None:
            return self._client
        from atproto import Client
        from atproto_client.request import Request

        client = Client(base_url=self.pds_url, request=Request(timeout=self.timeout))
        client.on_session_change(lambda _event, _session: self._store_session(client))
        stored = load_session(self.db, "bluesky", self.handle)
        if stored:
            try:
                client.login(session_string=stored, fetch_bsky_profile=False)
                self._call(client.com.atproto.server.get_session)  # refreshes if expired
            except Exception as exc:  # revoked or corrupt: fall back to the password once
                log.info("stored Bluesky session unusable (%s); logging in", type(exc).__name__)
                forget_session(self.db, "bluesky", self.handle)
                client = Client(base_url=self.pds_url, request=Request(timeout=self.timeout))
                client.on_session_change(lambda _event, _session: self._store_session(client))
                stored = None
        if not stored:
            self._call(client.login, self.handle, self._password, fetch_bsky_profile=False)
        self._client = client
        return client

    def _store_session(self, client: Any) -> None:
        save_session(self.db, "bluesky", self.handle, client.export_session_string())

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self.requests += 1
        return fn(*args, **kwargs)

    @property
    def did(self) -> str:
        return self.client()._session.did

    # -- posting ---------------------------------------------------------------------------
    def publish(self, posts: Sequence[OutboxPost], *, renew: Any = None) -> list[OutboxPost]:
        """Bring one recorded thread to ``sent``; return its rows as they end up.

        One write carries the whole thread, so there is no lease to ``renew`` between posts.
        """
        from atproto_core.exceptions import AtProtocolError

        if not posts:
            return []
        if all(p.state == "sent" for p in posts):
            return list(posts)
        try:
            return self._publish(posts)
        except AtProtocolError as exc:  # login refused, PDS unreachable, ...: one line, state kept
            raise BlueskyPostingError(f"Bluesky ({self.handle} on {self.pds_url}): {_describe(exc)}") from None

    def _publish(self, posts: Sequence[OutboxPost]) -> list[OutboxPost]:
        key = (posts[0].issue_key, posts[0].platform, posts[0].account)
        if any(p.state == "failed" for p in posts):
            raise BlueskyPostingError(
                f"the Bluesky thread for issue {key[0]} failed earlier "
                f"({next(p.last_error for p in posts if p.state == 'failed')}); "
                "fix it, then bot post --retry-failed"
            )
        fresh = all(p.state == "pending" for p in posts)
        if fresh:
            posts = self._plan(posts)
        self._write(posts, fresh=fresh)
        return thread_posts(self.db, *key)

    def _plan(self, posts: Sequence[OutboxPost]) -> list[OutboxPost]:
        """Fix every record (keys, CIDs, the card's uploaded thumb) and commit them as sending."""
        card = self._card(posts[0].card) if posts[0].card else None
        planned = plan_records(
            [(p.text, p.facets) for p in posts],
            did=self.did,
            now=self.clock(),
            langs=posts[0].langs,
            card=card,
            rng=self.rng,
        )
        now = iso(self.clock())
        with immediate(self.db):  # all rows or none: the thread's intent is one fact
            for post, plan in zip(posts, planned):
                transition(
                    self.db, post.id, to="sending", expect=["pending"], count_attempt=True,
                    clock=self.clock, rkey=plan.rkey, remote_uri=plan.uri, remote_cid=plan.cid,
                    record=plan.record, remote_url=post_url(self.handle, plan.rkey),
                )
        log.debug("planned %d Bluesky records at %s", len(planned), now)
        return thread_posts(self.db, posts[0].issue_key, posts[0].platform, posts[0].account)

    def _card(self, card: dict[str, Any]) -> dict[str, Any]:
        thumb = None
        if card.get("image_url"):
            from atproto_core.exceptions import AtProtocolError

            image = self.fetch_image(card["image_url"])
            try:
                blob = self._call(self.client().upload_blob, image[0]).blob if image else None
            except AtProtocolError as exc:  # a card without a picture beats no thread
                log.warning("link card image not uploaded (%s); posting the card without it", exc)
                blob = None
            if blob is not None:
                thumb = {"$type": "blob", "ref": {"$link": blob.ref.link}, "mimeType": blob.mime_type,
                         "size": blob.size}
        return external_card(
            uri=card["uri"], title=card["title"], description=card.get("description") or "",
            thumb=thumb,
        )

    def _write(self, posts: Sequence[OutboxPost], *, fresh: bool) -> None:
        # Records planned just now cannot exist yet; after an earlier attempt, look first.
        existing = {} if fresh else self._read_back(posts)
        missing = [p for p in posts if p.state != "sent" and p.id not in existing]
        self._settle(posts, existing)
        if not missing:
            return
        writes = [
            {"$type": "com.atproto.repo.applyWrites#create", "collection": POST, "rkey": p.rkey,
             "value": p.record}
            for p in missing
        ]
        client = self.client()
        try:
            response = self._call(
                client.com.atproto.repo.apply_writes,
                {"repo": self.did, "writes": writes, "validate": True},
            )
        except Exception as exc:
            self._after_failed_write(missing, exc)
            return
        returned = {r.uri: r.cid for r in (response.results or []) if getattr(r, "uri", None)}
        for post in missing:
            cid = returned.get(post.remote_uri, post.remote_cid)
            if cid != post.remote_cid:
                log.error("PDS stored %s with CID %s, computed %s", post.remote_uri, cid, post.remote_cid)
            transition(self.db, post.id, to="sent", expect=["sending", "unknown"], clock=self.clock,
                       remote_cid=cid, last_error=None)

    def _after_failed_write(self, missing: Sequence[OutboxPost], exc: Exception) -> None:
        """An error is not an outcome: read the records back before deciding."""
        existing = self._read_back(missing)
        self._settle(missing, existing)
        if len(existing) == len(missing):
            return
        detail = f"{type(exc).__name__}: {exc}"
        status = getattr(getattr(exc, "response", None), "status_code", None)
        definitive = status is not None and 400 <= status < 500 and status != 429
        for post in missing:
            if post.id not in existing:
                transition(self.db, post.id, to="failed" if definitive else "unknown",
                           expect=["sending", "unknown"], clock=self.clock, last_error=detail)
        if definitive:
            raise BlueskyPostingError(f"Bluesky refused the thread: {detail}")
        raise BlueskyPostingError(
            f"Bluesky write did not complete ({detail}); nothing was lost: "
            "rerun bot post to finish the thread (the same records are written, never twice)"
        )

    def _read_back(self, posts: Sequence[OutboxPost]) -> dict[int, str]:
        """``{outbox id: cid}`` of the planned records that exist on the PDS."""
        from atproto_client.exceptions import BadRequestError

        found: dict[int, str] = {}
        client = self.client()
        for post in posts:
            if post.state == "sent" or not post.rkey:
                continue
            try:
                record = self._call(
                    client.com.atproto.repo.get_record,
                    {"repo": self.did, "collection": POST, "rkey": post.rkey},
                )
            except BadRequestError as exc:
                if "RecordNotFound" not in str(exc):
                    raise
                continue
            found[post.id] = record.cid
        return found

    def _settle(self, posts: Sequence[OutboxPost], existing: dict[int, str]) -> None:
        for post in posts:
            if post.id in existing and post.state != "sent":
                cid = existing[post.id]
                if cid != post.remote_cid:
                    log.error("record %s exists with CID %s, expected %s", post.remote_uri, cid,
                              post.remote_cid)
                transition(self.db, post.id, to="sent", expect=["sending", "unknown"],
                           clock=self.clock, remote_cid=cid, last_error=None)


def _describe(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if status == 401:
        text += " (check BLUESKY_HANDLE and BLUESKY_APP_PASSWORD)"
    return text


def fetch_image_http(url: str, *, timeout: float) -> tuple[bytes, str] | None:
    """Download a card thumbnail; None (and a log line) when it cannot be used."""
    from bot.newsletter.fetch import fetch

    try:
        got = fetch(url, timeout=timeout, max_bytes=MAX_THUMB_BYTES)
    except BotError as exc:  # unreachable, an error status, or larger than a blob may be
        log.warning("link card image not used: %s", exc)
        return None
    if not got.content_type.startswith("image/"):
        log.warning("link card image %s not used: %s", url, got.content_type or "no content type")
        return None
    return got.body, got.content_type
