"""Provide :class:`Lease`: one poster per (issue, platform) at a time, across processes.

A lease is a row in ``leases`` taken under ``BEGIN IMMEDIATE``. It expires after a TTL and is
renewed between posts. A holder that died on this host (its PID is gone) loses its lease at
once, so a rerun after a crash does not wait out the TTL; a holder on another host is
trusted until its lease expires.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket

from sqlite_utils import Database

from bot.db import immediate
from bot.errors import BotError
from bot.timeutil import Clock, iso, parse_iso, utcnow
from collectors.store import pid_alive

DEFAULT_TTL = dt.timedelta(minutes=10)


class LeaseHeld(BotError):
    """Another live process is posting this thread."""


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def _alive_here(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True  # not ours to judge: trust the expiry
    return pid_alive(int(pid_text))


class Lease:
    """``with Lease(db, issue_key, platform):`` — raises :class:`LeaseHeld` if taken."""

    def __init__(
        self,
        db: Database,
        issue_key: str,
        platform: str,
        *,
        ttl: dt.timedelta = DEFAULT_TTL,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.issue_key = issue_key
        self.platform = platform
        self.ttl = ttl
        self.clock = clock
        self.holder = _holder()

    def acquire(self) -> Lease:
        now = self.clock()
        with immediate(self.db):
            row = next(
                self.db.query(
                    "SELECT holder, expires_at FROM leases WHERE issue_key = ? AND platform = ?",
                    [self.issue_key, self.platform],
                ),
                None,
            )
            if row and row["holder"] != self.holder:
                live = parse_iso(row["expires_at"]) > now and _alive_here(row["holder"])
                if live:
                    raise LeaseHeld(
                        f"another bot process ({row['holder'].rsplit(':', 1)[0]}) is posting issue "
                        f"{self.issue_key} to {self.platform}; its lease ends at {row['expires_at']}"
                    )
            self.db.execute(
                "INSERT OR REPLACE INTO leases (issue_key, platform, holder, acquired_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                [self.issue_key, self.platform, self.holder, iso(now), iso(now + self.ttl)],
            )
        return self

    def renew(self) -> None:
        """Extend the lease; raise :class:`LeaseHeld` if it was lost meanwhile."""
        now = self.clock()
        with immediate(self.db):
            cursor = self.db.execute(
                "UPDATE leases SET expires_at = ? WHERE issue_key = ? AND platform = ? AND holder = ?",
                [iso(now + self.ttl), self.issue_key, self.platform, self.holder],
            )
            if cursor.rowcount != 1:
                raise LeaseHeld(f"lost the lease on issue {self.issue_key} ({self.platform})")

    def release(self) -> None:
        with immediate(self.db):
            self.db.execute(
                "DELETE FROM leases WHERE issue_key = ? AND platform = ? AND holder = ?",
                [self.issue_key, self.platform, self.holder],
            )

    def __enter__(self) -> Lease:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
