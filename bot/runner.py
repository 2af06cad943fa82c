"""Provide :class:`Runner`: the jobs of ``bot run``, as plain functions of a clock.

APScheduler only decides *when* these run; *what* they do lives here and is tested with a
controlled clock. State is in the database (``feed_state``, ``schedule``, the outbox), so a
restart, ``bot run --once`` from cron, and a long-running ``bot run`` all agree.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import msgspec
from sqlite_utils import Database

from bot.db import immediate
from bot.errors import BotError
from bot.settings import Settings
from bot.timeutil import Clock, iso, parse_iso, utcnow

log = logging.getLogger("bot.run")

FEED_JOB = "feed-poll"
POST_JOB = "post-due"
MAX_BACKOFF = dt.timedelta(hours=1)


class JobResult(msgspec.Struct):
    job: str
    status: str = "ok"  # ok, error
    counts: dict[str, Any] = msgspec.field(default_factory=dict)
    error: str | None = None
    duration_ms: int = 0


class Runner:
    """Feed poll, posting of due issues, and harvest jobs, against one database."""

    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        clock: Clock = utcnow,
        publisher_factory: Callable[[str], Any] | None = None,
        backfill: bool = False,
        notifier: Any = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.backfill = backfill
        self._publisher_factory = publisher_factory
        self._publishers: dict[str, Any] = {}
        self._notifier = notifier
        self._seen_new: list[tuple[Any, dt.datetime]] = []

    # -- the feed --------------------------------------------------------------------------
    def poll_feed(self) -> dict[str, Any]:
        """Conditional GET of the feed; store new issues and schedule them after the window."""
        from bot.newsletter.reader import read_feed

        url = self.settings.feed_url
        if not url:
            raise BotError("no feed configured: set [newsletter].feed_url or BOT_FEED_URL")
        state = next(self.db.query("SELECT * FROM feed_state WHERE url = ?", [url]), None)
        first_start = state is None or not state["polls"]
        now = self.clock()
        try:
            result = read_feed(
                url,
                timeout=self.settings.http_timeout,
                etag=state["etag"] if state else None,
                modified=state["modified"] if state else None,
            )
        except BotError as exc:
            self._feed_state(url, status="error", error=str(exc), now=now)
            raise
        if result.not_modified:
            self._feed_state(url, status="not-modified", now=now, etag=result.etag,
                             modified=result.modified)
            return {"not_modified": True, "new": 0}
        counts = {"entries": len(result.issues), "new": 0, "backlog": 0, "known": 0, "skipped": 0}
        self._seen_new = []
        with immediate(self.db):
            for issue in result.issues:
                if issue.unpostable:  # never stored, scheduled or posted; said once per poll
                    log.warning("feed entry %s skipped: it has %s", repr(issue.title) if issue.title
                                else issue.key, issue.unpostable)
                    counts["skipped"] += 1
                    continue
                counts[self._see(issue, first_start=first_start, now=now)] += 1
            self._feed_state(url, status="ok", now=now, etag=result.etag, modified=result.modified)
        counts.pop("known", None)
        if not counts["skipped"]:
            counts.pop("skipped")
        for issue, post_after in self._seen_new:  # after the commit: no network under the lock
            self._notify_new(issue, post_after, now)
        return counts

    def _see(self, issue: Any, *, first_start: bool, now: dt.datetime) -> str:
        from bot.newsletter.store import save_issue

        save_issue(self.db, issue, clock=lambda: now)
        if next(self.db.query("SELECT 1 FROM schedule WHERE issue_key = ?", [issue.key]), None):
            return "known"
        backlog = first_start and not self.backfill
        delay = self.settings.review_delay_td
        self.db.execute(
            "INSERT INTO schedule (issue_key, status, post_after, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            [issue.key, "backlog" if backlog else "waiting",
             None if backlog else iso(now + delay), iso(now), iso(now)],
        )
        if backlog:
            log.info("back catalogue: %s recorded as seen, not posted", issue.title)
            return "backlog"
        if self.settings.require_approval:
            log.info("new issue %s: waits for approval (bot approve)", issue.title)
        else:
            log.info("new issue %s: posting after %s", issue.title, iso(now + delay))
        self._seen_new.append((issue, now + delay))
        return "new"

    def _feed_state(self, url: str, *, status: str, now: dt.datetime, error: str | None = None,
                    etag: str | None = None, modified: str | None = None) -> None:
        """Record a poll; ``polls`` counts successful ones (the first is the back catalogue)."""
        with immediate(self.db):
            self.db.execute(
                "INSERT INTO feed_state (url, etag, modified, polls, last_polled_at, last_status,"
                " last_error) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET"
                " etag = COALESCE(excluded.etag, etag), modified = COALESCE(excluded.modified, modified),"
                " polls = polls + excluded.polls, last_polled_at = excluded.last_polled_at,"
                " last_status = excluded.last_status, last_error = excluded.last_error",
                [url, etag, modified, 0 if status == "error" else 1, iso(now), status, error],
            )

    # -- posting ---------------------------------------------------------------------------
    def post_due(self) -> dict[str, Any]:
        """Post every issue whose review window has passed and that is not held."""
        from bot.drafts.store import plan
        from bot.newsletter.store import load_issue
        from bot.notices import messages
        from bot.publish.service import post_threads

        now = self.clock()
        # With [run] require_approval, only approved issues are due (bot approve, bot serve).
        require = bool(self.settings.require_approval)
        due = list(self.db.query(
            "SELECT issue_key, attempts, last_error FROM schedule s WHERE status = 'waiting'"
            " AND held = 0 AND post_after <= ? AND (? = 0 OR EXISTS (SELECT 1 FROM approvals a"
            " WHERE a.issue_key = s.issue_key)) ORDER BY post_after", [iso(now), int(require)],
        ))
        counts: dict[str, Any] = {"due": len(due), "posted": 0, "failed": 0}
        if require:
            from bot.approval import awaiting_approval

            counts["awaiting_approval"] = awaiting_approval(self.db)
        for row in due:
            issue = load_issue(self.db, row["issue_key"])
            results: list[Any] = []
            retry_at: str | None = None
            try:
                if issue is None:
                    raise BotError(f"issue {row['issue_key']} is scheduled but no longer stored")
                threads = plan(self.db, issue, self.settings).threads
                publishers = {p: self._publisher(p) for p in threads}
                results = post_threads(self.db, issue, threads, publishers=publishers, clock=self.clock)
                errors = [f"{r.platform}: {r.error or 'not finished'}" for r in results if not r.done]
                retry_at = max((r.retry_at for r in results if r.retry_at), default=None)
            except BotError as exc:
                errors = [str(exc)]
            unfinished = [r for r in results if not r.done]
            if errors and unfinished and all(r.ended for r in unfinished):
                # Every platform still unposted refused to continue its thread: nothing a later
                # check could send, whatever the form now. Ended, said once.
                counts["ended"] = counts.get("ended", 0) + 1
                self._end(row["issue_key"], [f"{r.platform}: {r.ended}" for r in unfinished], now)
                if issue is not None and "; ".join(errors) != row["last_error"]:
                    self._notify(issue.key, messages.problem(issue, errors, refused=True, next_try=now))
            elif errors:
                counts["failed"] += 1
                error = "; ".join(errors)
                next_try = self._retry_later(row["issue_key"], row["attempts"], error, now,
                                             retry_at=retry_at)
                if issue is not None and error != row["last_error"]:  # told once, not at every check
                    refused = any(r.refused or any(p.state == "failed" for p in r.posts) for r in results)
                    self._notify(issue.key, messages.problem(issue, errors, refused=refused,
                                                             next_try=next_try))
            elif issue is not None:  # no errors: the issue was there to post
                counts["posted"] += 1
                self._set(row["issue_key"], status="posted", last_error=None, now=now)
                self._notify(issue.key, messages.posted(issue, results))
        return counts

    # -- notices ---------------------------------------------------------------------------
    @property
    def notifier(self) -> Any:
        if self._notifier is None:
            from bot.notices.notifier import Notifier

            self._notifier = Notifier.from_settings(self.settings)
        return self._notifier

    def _notify_new(self, issue: Any, post_after: dt.datetime, now: dt.datetime) -> None:
        if not self.notifier:
            return
        from bot.drafts.store import plan
        from bot.notices import messages
        from bot.review.cards import accounts

        threads, error, drafted = None, None, False
        try:
            planned = plan(self.db, issue, self.settings)
            threads, drafted = planned.threads, planned.drafted
        except BotError as exc:
            error = str(exc)
        self._notify(issue.key, messages.new_issue(
            issue, threads, post_after=post_after, now=now, drafted=drafted, error=error,
            require_approval=bool(self.settings.require_approval),
            public_url=self.settings.serve_public_url, accounts=accounts(self.settings, issue)))

    def _notify(self, issue_key: str, notice: Any) -> None:
        """Send a notice and record it; a notifier's failure is logged, never raised."""
        if not self.notifier:
            return
        try:
            delivery = self.notifier.send(notice)
        except Exception as exc:  # pragma: no cover - Notifier.send already catches per URL
            log.warning("notice %r not sent: %s", notice.title, type(exc).__name__)
            return
        with immediate(self.db):
            self.db.execute(
                "INSERT INTO notices (issue_key, kind, detail, sent_at, delivered, failed)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [issue_key, notice.kind, notice.title, iso(self.clock()), delivery.delivered,
                 delivery.failed],
            )

    def _publisher(self, platform: str) -> Any:
        if platform not in self._publishers:
            if self._publisher_factory:
                self._publishers[platform] = self._publisher_factory(platform)
            else:
                from bot.publish.service import build_publisher

                self._publishers[platform] = build_publisher(platform, self.settings, self.db,
                                                             clock=self.clock)
        return self._publishers[platform]

    def _retry_later(self, key: str, attempts: int, error: str, now: dt.datetime, *,
                     retry_at: str | None = None) -> dt.datetime:
        """Try again after a back-off, or exactly when a rate limit said the platform reopens."""
        backoff = min(MAX_BACKOFF, dt.timedelta(minutes=2 ** min(attempts, 10)))
        if retry_at:
            backoff = max(parse_iso(retry_at) - now, dt.timedelta(seconds=1))
        log.warning("issue %s not posted yet (%s); next try after %s", key, error, iso(now + backoff))
        with immediate(self.db):
            self.db.execute(
                "UPDATE schedule SET attempts = attempts + 1, last_error = ?, post_after = ?,"
                " updated_at = ? WHERE issue_key = ?",
                [error, iso(now + backoff), iso(now), key],
            )
        return now + backoff

    def _end(self, key: str, reasons: list[str], now: dt.datetime) -> None:
        """Stop considering an issue whose unposted threads were all refused (schedule status
        ``failed``): bot status shows it, bot run asks nothing again (bot post --retry-failed may)."""
        line = "; ".join(reasons)
        log.warning("issue %s ends here, bot run will not post it again (%s)", key, line)
        self._set(key, status="failed", last_error=line, now=now)

    def _set(self, key: str, *, now: dt.datetime, **fields: Any) -> None:
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with immediate(self.db):
            self.db.execute(
                f"UPDATE schedule SET {assignments}, updated_at = ? WHERE issue_key = ?",
                [*fields.values(), iso(now), key],
            )

    # -- harvest ---------------------------------------------------------------------------
    def harvest(self, source_name: str, *, policy: Any = None) -> dict[str, Any]:
        from bot.harvest import harvest

        (result,) = harvest(self.settings, self.db, names=[source_name], policy=policy)
        counts = {"posts": result.posts_seen, "new": result.posts_new, "requests": result.requests,
                  "skipped": result.skipped, "status": result.status}
        if result.status not in ("ok",):
            raise BotError(f"harvest {source_name}: {result.status}: {result.message}")
        return counts

    def harvest_due(self, source_name: str, interval: dt.timedelta) -> bool:
        due = harvest_due_at(self.db, source_name, interval)
        return due is None or due <= self.clock()

    # -- jobs ------------------------------------------------------------------------------
    def run_job(self, job: str, fn: Callable[[], dict[str, Any]]) -> JobResult:
        """Run one job: one log line and one ``job_runs`` row with its counts and duration."""
        result = JobResult(job)
        started = self.clock()
        with _timed() as elapsed:
            try:
                result.counts = fn()
            except BotError as exc:
                result.status, result.error = "error", str(exc)
            except Exception as exc:  # a job must never take the scheduler down
                log.exception("job %s crashed", job)
                result.status, result.error = "error", f"{type(exc).__name__}: {exc}"
        result.duration_ms = elapsed()
        with immediate(self.db):
            self.db.execute(
                "INSERT INTO job_runs (job, started_at, finished_at, duration_ms, status, counts, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [job, iso(started), iso(self.clock()), result.duration_ms, result.status,
                 json.dumps(result.counts), result.error],
            )
        level = logging.INFO if result.status == "ok" else logging.WARNING
        text = " ".join(f"{k}={v}" for k, v in result.counts.items())
        log.log(level, "job %s %s in %d ms %s%s", job, result.status, result.duration_ms, text,
                f" error={result.error}" if result.error else "",
                extra={"job": job, "status": result.status, "duration_ms": result.duration_ms,
                       "counts": result.counts, "error": result.error})
        return result

    def run_once(self) -> list[JobResult]:
        """Every job that is due, once: the feed, due posts, then harvest sources past their interval."""
        results = []
        if self.settings.feed_url:
            results.append(self.run_job(FEED_JOB, self.poll_feed))
        results.append(self.run_job(POST_JOB, self.post_due))
        for source in self.settings.sources:
            if self.harvest_due(source.name, source.interval):
                results.append(self.run_job(f"harvest:{source.name}",
                                            functools.partial(self.harvest, source.name)))
        return results


@contextmanager
def _timed() -> Iterator[Callable[[], int]]:
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: int(((end[0] if end else time.perf_counter()) - start) * 1000)
    end.append(time.perf_counter())


def harvest_due_at(db: Database, source_name: str, interval: dt.timedelta) -> dt.datetime | None:
    """When a source's next harvest is due: its last good run's start plus its interval
    (None: it never ran), and never before the time a rate limit on its last run named.
    ``bot run --once`` and the scheduler's start both keep this rhythm."""
    last = next(db.query(
        "SELECT started_at FROM job_runs WHERE job = ? AND status = 'ok' ORDER BY id DESC LIMIT 1",
        [f"harvest:{source_name}"],
    ), None)
    due = parse_iso(last["started_at"]) + interval if last else None
    limited = next(db.query(
        "SELECT status, retry_at FROM harvest_runs WHERE source = ? ORDER BY id DESC LIMIT 1",
        [source_name],
    ), None)
    if limited and limited["status"] == "rate-limited" and limited["retry_at"]:
        reopens = parse_iso(limited["retry_at"])
        due = reopens if due is None else max(due, reopens)
    return due
