"""Provide :func:`find_posts`: full-text search over harvested posts (``bot search``, datasette's FTS).

The query is quoted word by word, never run as FTS5 syntax, so a stray quote or operator in
it cannot fail or widen the search.
"""

from __future__ import annotations

from typing import Any

from bot.errors import BotError

SEARCH_SQL = """
SELECT posts.id, posts.platform, posts.text, posts.url, posts.created_at, authors.handle
FROM posts_fts
JOIN posts ON posts.rowid = posts_fts.rowid
LEFT JOIN authors ON authors.id = posts.author_id
WHERE posts_fts MATCH :query
  AND (:platform IS NULL OR posts.platform = :platform)
  AND (:since IS NULL OR posts.created_at >= :since)
ORDER BY posts_fts.rank, posts.created_at DESC
LIMIT :limit
"""



def find_posts(db: Any, query: str, *, platform: str | None = None, since: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """Posts matching every word of ``query``; the query is quoted, never run as FTS syntax."""
    match = fts_query(query)
    if not match:
        raise BotError("search needs at least one word")
    params = {"query": match, "platform": platform, "since": since, "limit": limit}
    return list(db.query(SEARCH_SQL, params))


def fts_query(query: str) -> str:
    """Each word as a quoted FTS5 string (a trailing * kept as a prefix search), ANDed."""
    terms = []
    for word in query.split():
        prefix = word.endswith("*")
        word = word.rstrip("*").replace('"', '""')
        if word:
            terms.append(f'"{word}"' + ("*" if prefix else ""))
    return " ".join(terms)


def parse_since(value: str | None) -> str | None:
    """An ISO-8601 UTC lower bound from a date, a date-time or a duration like 7d."""
    if not value:
        return None
    from bot.timeutil import before, iso, parse_iso, utcnow

    text = value.strip()
    if text[-1:].lower() in ("s", "m", "h", "d", "w") and text[:-1].replace(".", "", 1).isdigit():
        from bot.timeutil import parse_duration

        return iso(before(utcnow(), parse_duration(text, name="--since")))
    try:
        return iso(parse_iso(text))
    except ValueError:
        raise BotError(f"--since takes a date (2024-05-01), a time or a duration (7d), not {value!r}") from None
