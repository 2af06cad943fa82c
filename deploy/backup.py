#!/usr/bin/env python3
"""Provide a consistent copy of the bot's SQLite database while ``bot run`` keeps writing.

``VACUUM INTO`` reads the database in one transaction: the copy is a snapshot of what was
committed when it started (in WAL mode a reader never blocks the writer, so ``bot run``
carries on), compact, and one self-contained file with no ``-wal`` beside it. The copy must
pass ``PRAGMA integrity_check`` before it gets its final name, so a half-written or bad copy
never looks like a backup. Standard library only: any python3 with SQLite >= 3.27 runs it.

    ml4sci-backup /data/ml4sci.db /backups/            # /backups/ml4sci-20250101T120000Z.db
    ml4sci-backup /data/ml4sci.db /backups/ --keep 14  # and keep only the newest 14 there
    ml4sci-backup /data/ml4sci.db copy.db              # exactly this file (must not exist)
    ml4sci-backup /data/ml4sci.db - > copy.db          # to stdout (docker compose exec -T)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

BUSY_TIMEOUT_S = 30  # a checkpoint or migration holding the lock is waited for, not failed on


class BackupError(Exception):
    """A problem worth one line: a missing source, an existing target, a bad copy."""


def stamped_name(source: Path, now: dt.datetime) -> str:
    return f"{source.stem}-{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}.db"


def snapshot(source: Path, target: Path) -> int:
    """Write a checked copy of ``source`` to ``target`` (which must not exist); return its tables."""
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    if target.exists():
        raise BackupError(f"{target} already exists; backups never overwrite")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(source, timeout=BUSY_TIMEOUT_S)
        try:
            conn.execute("VACUUM INTO ?", [str(partial)])
        finally:
            conn.close()
        tables = check(partial)
        _fsync(partial)
        os.replace(partial, target)
        _fsync(target.parent)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {source}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return tables


def check(path: Path) -> int:
    """Raise unless ``path`` is an intact SQLite database with tables; return how many."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    finally:
        conn.close()
    if result != ["ok"]:
        raise BackupError(f"the copy failed its integrity check: {'; '.join(result[:3])}")
    if not tables:
        raise BackupError("the copy has no tables: is the source the bot's database?")
    return tables


def prune(directory: Path, stem: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` stamped backups of ``stem`` in ``directory``."""
    pattern = re.compile(rf"{re.escape(stem)}-\d{{8}}T\d{{6}}Z\.db")
    backups = sorted(p for p in directory.iterdir() if pattern.fullmatch(p.name))
    doomed = backups[:-keep] if keep else backups
    for path in doomed:
        path.unlink()
    return doomed


def to_stdout(source: Path) -> int:
    """Snapshot into a scratch file beside the source, stream it to stdout, remove it."""
    scratch = Path(tempfile.mkdtemp(prefix=".backup-", dir=source.parent))
    try:
        copy = scratch / source.name
        tables = snapshot(source, copy)
        with copy.open("rb") as fh:
            shutil.copyfileobj(fh, sys.stdout.buffer)
        sys.stdout.buffer.flush()
        return tables
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def main(argv: list[str] | None = None, *, now: dt.datetime | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ml4sci-backup", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="the bot's database (BOT_DB)")
    parser.add_argument("target", help="a directory (a timestamped file goes there), a new file, or -")
    parser.add_argument("--keep", type=int, metavar="N",
                        help="with a directory: then delete all but the newest N backups there")
    args = parser.parse_args(argv)
    now = now or dt.datetime.now(dt.UTC)
    try:
        if args.keep is not None and (args.keep < 1 or not Path(args.target).is_dir()):
            raise BackupError("--keep needs a number >= 1 and a directory target")
        if args.target == "-":
            tables = to_stdout(args.source)
            print(f"backed up {args.source} to stdout: {tables} tables, integrity ok", file=sys.stderr)
            return 0
        target = Path(args.target)
        if args.target.endswith(os.sep) and not target.is_dir():
            raise BackupError(f"no directory {args.target}")
        if target.is_dir():
            target = target / stamped_name(args.source, now)
        tables = snapshot(args.source, target)
        size = target.stat().st_size
        print(f"backed up {args.source} to {target}: {tables} tables, {size} bytes, integrity ok")
        if args.keep:
            for path in prune(target.parent, args.source.stem, args.keep):
                print(f"removed old backup {path}")
    except (BackupError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
