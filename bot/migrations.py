"""Provide the numbered schema migrations, recorded in ``_sqlite_migrations``.

Each migration is idempotent (``IF NOT EXISTS``) and runs in one transaction with its record.
Add a new numbered function at the end; never edit one that has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from bot.db import run_script

migrations = Migrations("ml4sci-bot")


@migrations(name="0001_issues")
def issues(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS issues (
            key TEXT PRIMARY KEY,          -- the feed guid, else the canonical URL, else a hash
            number INTEGER,
            title TEXT NOT NULL,
            subtitle TEXT,
            url TEXT,
            published_at TEXT,
            source TEXT,                   -- where it was read from (file path, URL)
            data TEXT NOT NULL,            -- the whole parsed Issue as JSON
            first_seen_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS issues_published ON issues(published_at);
        CREATE INDEX IF NOT EXISTS issues_url ON issues(url);
        """
    )


@migrations(name="0002_harvest")
def harvest(db: Database) -> None:
    # posts, authors, threads, links, harvest_state, harvest_runs, their FTS and triggers.
    from collectors.store import create_schema

    create_schema(db)


@migrations(name="0003_outbox")
def outbox(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS outbox (
            id INTEGER PRIMARY KEY,
            issue_key TEXT NOT NULL,
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            position INTEGER NOT NULL,     -- 0-based place in the thread
            role TEXT NOT NULL,
            text TEXT NOT NULL,            -- exactly what is sent
            facets TEXT,                   -- JSON, app.bsky.richtext.facet shape
            card TEXT,                     -- JSON link card (Bluesky)
            langs TEXT,                    -- JSON list
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'sending', 'sent', 'unknown', 'failed')),
            remote_id TEXT,                -- X tweet id
            remote_uri TEXT,               -- Bluesky at:// URI
            remote_cid TEXT,               -- Bluesky record CID
            remote_url TEXT,               -- a link a person can open
            rkey TEXT,                     -- Bluesky record key, chosen before the write
            record TEXT,                   -- JSON Bluesky record, fixed before the write
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT,
            UNIQUE (issue_key, platform, account, position)
        );
        CREATE INDEX IF NOT EXISTS outbox_state ON outbox(state);
        CREATE TABLE IF NOT EXISTS outbox_events (
            id INTEGER PRIMARY KEY,
            outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
            from_state TEXT,
            to_state TEXT NOT NULL,
            at TEXT NOT NULL,
            detail TEXT
        );
        CREATE TABLE IF NOT EXISTS leases (
            issue_key TEXT NOT NULL,
            platform TEXT NOT NULL,
            holder TEXT NOT NULL,          -- host:pid:token
            acquired_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            PRIMARY KEY (issue_key, platform)
        );
        -- A logged-in session (Bluesky's exported session string), reused instead of logging
        -- in on every run; createSession is rate limited. Never the account's password.
        CREATE TABLE IF NOT EXISTS sessions (
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            session TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (platform, account)
        );
        """
    )


@migrations(name="0004_run")
def run(db: Database) -> None:
    run_script(
        db,
        """
        -- The newsletter feed as bot run last saw it: validators for conditional GETs.
        CREATE TABLE IF NOT EXISTS feed_state (
            url TEXT PRIMARY KEY,
            etag TEXT,
            modified TEXT,
            polls INTEGER NOT NULL DEFAULT 0,
            last_polled_at TEXT,
            last_status TEXT,               -- ok, not-modified, error
            last_error TEXT
        );
        -- Per issue: whether and when bot run posts it.
        CREATE TABLE IF NOT EXISTS schedule (
            issue_key TEXT PRIMARY KEY REFERENCES issues(key),
            status TEXT NOT NULL CHECK (status IN ('backlog', 'waiting', 'posted', 'failed')),
            held INTEGER NOT NULL DEFAULT 0,
            post_after TEXT,                -- the end of the review window
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- One row per job run (bot run, bot run --once): what bot status shows.
        CREATE TABLE IF NOT EXISTS job_runs (
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            duration_ms INTEGER,
            status TEXT,                    -- ok, error
            counts TEXT,                    -- JSON
            error TEXT
        );
        CREATE INDEX IF NOT EXISTS job_runs_job ON job_runs(job, id);
        """
    )


@migrations(name="0005_digest")
def digest(db: Database) -> None:
    run_script(
        db,
        """
        -- Harvested threads already used in an issue: bot digest stops suggesting them.
        CREATE TABLE IF NOT EXISTS used_threads (
            thread_id TEXT NOT NULL,
            issue TEXT NOT NULL,           -- the issue's number or key
            how TEXT NOT NULL CHECK (how IN ('manual', 'auto')),
            marked_at TEXT NOT NULL,
            PRIMARY KEY (thread_id, issue)
        );
        """
    )


@migrations(name="0006_review")
def review(db: Database) -> None:
    run_script(
        db,
        """
        -- The author's edited text of an issue's threads (bot draft --apply, bot serve): one
        -- row per post, as the author wrote it (full URLs). Preview, post and run use it
        -- instead of composing; it cannot change once the platform's thread has started.
        CREATE TABLE IF NOT EXISTS drafts (
            issue_key TEXT NOT NULL REFERENCES issues(key),
            platform TEXT NOT NULL,
            position INTEGER NOT NULL,      -- 0-based place in the thread
            role TEXT NOT NULL,
            story INTEGER,                  -- the issue item the post is about
            text TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            PRIMARY KEY (issue_key, platform, position)
        );
        -- bot approve: with [run] require_approval, bot run posts only approved issues.
        -- A new draft withdraws the approval (what was approved is not what would go out).
        CREATE TABLE IF NOT EXISTS approvals (
            issue_key TEXT PRIMARY KEY REFERENCES issues(key),
            approved_at TEXT NOT NULL,
            via TEXT NOT NULL               -- cli, page
        );
        -- Review notices bot run sent (or tried to): one per issue and kind, so a problem
        -- that persists across checks is told once.
        CREATE TABLE IF NOT EXISTS notices (
            id INTEGER PRIMARY KEY,
            issue_key TEXT NOT NULL,
            kind TEXT NOT NULL,             -- new, posted, refused, stuck
            detail TEXT,
            sent_at TEXT NOT NULL,
            delivered INTEGER NOT NULL,     -- notifiers that accepted it
            failed INTEGER NOT NULL         -- notifiers that did not
        );
        CREATE INDEX IF NOT EXISTS notices_issue ON notices(issue_key, kind);
        """
    )


@migrations(name="0007_costs")
def costs(db: Database) -> None:
    # What a harvest run read on a platform that charges per resource read (X), and what
    # that cost by the platform's prices then: bot status adds them up per month.
    columns = db["harvest_runs"].columns_dict
    for column, kind in (("reads", "INTEGER NOT NULL DEFAULT 0"), ("cost_usd", "REAL NOT NULL DEFAULT 0")):
        if column not in columns:
            db.execute(f"ALTER TABLE harvest_runs ADD COLUMN {column} {kind}")


@migrations(name="0008_refusals")
def refusals(db: Database) -> None:
    run_script(
        db,
        """
        -- A thread the platform refused to continue (X refuses replies it was not summoned
        -- to): its posts stay as they are (the refused one pending: it does not exist), and
        -- no run sends anything for it again until bot post --retry-failed clears this row.
        CREATE TABLE IF NOT EXISTS refusals (
            issue_key TEXT NOT NULL,
            platform TEXT NOT NULL,
            account TEXT NOT NULL,
            position INTEGER NOT NULL,      -- the 0-based post that was refused
            reason TEXT NOT NULL,           -- the one line bot post printed
            at TEXT NOT NULL,
            PRIMARY KEY (issue_key, platform, account)
        );
        """
    )


@migrations(name="0009_fts_update_triggers")
def fts_update_triggers(db: Database) -> None:
    # Databases made before the narrower triggers: a thread's count refresh on every harvested
    # page re-indexed its title. create_schema recreates them as AFTER UPDATE OF the column.
    from collectors.store import create_schema

    run_script(db, "DROP TRIGGER IF EXISTS [posts_au];\nDROP TRIGGER IF EXISTS [threads_au];\n")
    create_schema(db)


@migrations(name="0010_publish_reads")
def publish_reads(db: Database) -> None:
    run_script(
        db,
        """
        -- Reads a publisher made on a platform that charges for them (X: the account's own
        -- posts read while reconciling, at the owned-read price): bot status adds them to the
        -- month's spend beside harvest_runs' reads and the posts sent.
        CREATE TABLE IF NOT EXISTS publish_reads (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            issue_key TEXT NOT NULL,
            what TEXT NOT NULL,             -- "owned reads", "user reads"
            resources INTEGER NOT NULL,
            cost_usd REAL NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS publish_reads_at ON publish_reads(platform, at);
        """
    )


@migrations(name="0011_drop_thread_time_index")
def drop_thread_time_index(db: Database) -> None:
    # The index on threads(last_post_at) made every harvested page a sixth slower (its entries
    # land all over the b-tree), for one weekly query: the digest's window, which scans faster
    # than it seeks when a week is a quarter of the threads (48 vs 87 ms on 50,000; python -m
    # bench digest) and costs about 1 ms per 1,000 threads when it is not (0.5 s a year in).
    # Datasette's threads view, sorted by last_post_at, now sorts by scanning: 11 ms on 50,000.
    run_script(db, "DROP INDEX IF EXISTS threads_last_post;\n")
