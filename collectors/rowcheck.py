"""Provide :func:`validated`: every transform's rows checked against the row shapes before
they reach the store.

A platform's body is someone else's JSON: a count that is ``"lots"``, a text that is a list,
an id past SQLite's integer range. One such field stored as-is broke ``bot digest`` for the
whole database (``like_count: "lots"`` was stored as text, and every ranking afterwards failed
with a TypeError). So each row is checked here, at the transform, the same way for every
platform: a bad optional field is stored as NULL, a row without a usable id (or a post without
text) is dropped; either way one warning names the item and the field, and it is counted as
skipped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from collectors.base import Rows

_INT_RANGE = range(-(2**63), 2**63)  # what SQLite's INTEGER holds


def _text(value: Any) -> bool:
    return isinstance(value, str) and "\0" not in value


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in _INT_RANGE


#: table -> (required text fields, optional text fields, optional count fields)
SHAPES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "posts": (
        ("id", "platform", "text"),
        ("thread_id", "parent_id", "author_id", "created_at", "url", "raw"),
        ("like_count", "repost_count", "reply_count", "quote_count"),
    ),
    "authors": (
        ("id", "platform"),
        ("handle", "display_name", "description", "url", "raw"),
        ("followers_count",),
    ),
    "threads": (("id", "platform"), ("root_post_id", "author_id", "title", "url"), ()),
    "links": (("post_id", "url"), ("domain",), ()),
}


def check(rows: Rows) -> Rows:
    """``rows`` with bad optional fields nulled and unusable rows dropped, each named in
    ``rows.skipped``.
    """
    for table, (required, texts, counts) in SHAPES.items():
        kept = []
        for row in getattr(rows, table):
            problem = _check_row(row, required, texts, counts, rows.skipped, table=table)
            if problem is None:
                kept.append(row)
        setattr(rows, table, kept)
    posts = {p["id"] for p in rows.posts}
    rows.links = [link for link in rows.links if link["post_id"] in posts]
    return rows


def _check_row(
    row: Any,
    required: tuple[str, ...],
    texts: tuple[str, ...],
    counts: tuple[str, ...],
    skipped: list[str],
    *,
    table: str,
) -> str | None:
    if not isinstance(row, dict):
        skipped.append(f"skipped a {table} row that is not a record")
        return "shape"
    name = _name(row, table)
    for key in required:  # ids and the platform are never blank; a post's text may be
        if not _text(row.get(key)) or (key != "text" and not row[key].strip()):
            skipped.append(f"skipped {name}: {key} is {_what(row.get(key))}, not text")
            return key
    for key in texts:
        value = row.get(key)
        if value is not None and not _text(value):
            skipped.append(f"{name}: {key} {_what(value)} is not text; stored as null")
            row[key] = None
    for key in counts:
        value = row.get(key)
        if value is not None and not _count(value):
            skipped.append(f"{name}: {key} {_what(value)} is not a count; stored as null")
            row[key] = None
    return None


def _name(row: dict[str, Any], table: str) -> str:
    ident = row.get("id") if table != "links" else row.get("post_id")
    label = {"posts": "post", "authors": "author", "threads": "thread", "links": "link of"}[table]
    return f"{label} {ident}" if _text(ident) else f"a {label.split()[0]} without an id"


def _what(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def validated(to_rows: Callable[[Any], Rows]) -> Callable[[Any], Rows]:
    """Wrap a platform's pure ``to_rows`` so what it returns is :func:`check`-ed."""

    @functools.wraps(to_rows)
    def wrapper(raw: Any) -> Rows:
        return check(to_rows(raw))

    return wrapper
