"""Provide :func:`render_thread`: harvested posts as an indented tree, for ``bot thread``."""

from __future__ import annotations

import json
from typing import Any

MAX_INDENT = 8


def render_thread(db: Any, posts: list[dict[str, Any]]) -> str:
    """The posts as a tree: each reply under its parent, oldest first, with handles and links."""
    handles = _handles(db, {p["author_id"] for p in posts if p.get("author_id")})
    ids = {p["id"] for p in posts}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for post in posts:
        parent = post.get("parent_id") if post.get("parent_id") in ids else None
        children.setdefault(parent, []).append(post)
    for group in children.values():
        group.sort(key=lambda p: (p.get("created_at") or "", p["id"]))
    lines = [f"{len(posts)} posts", ""]
    stack = [(post, 0) for post in reversed(children.get(None, []))]
    while stack:
        post, depth = stack.pop()
        indent = "  " * min(depth, MAX_INDENT)
        who = handles.get(post.get("author_id") or "", "[deleted]")
        lines.append(f"{indent}@{who} · {post.get('created_at') or '?'}")
        lines.extend(f"{indent}  {line}" for line in (post.get("text") or "").splitlines() or [""])
        lines.append(f"{indent}  {post.get('url') or ''}")
        lines.append("")
        stack.extend((child, depth + 1) for child in reversed(children.get(post["id"], [])))
    return "\n".join(lines)


def _handles(db: Any, author_ids: set[str]) -> dict[str, str]:
    rows = db.query(
        "SELECT id, handle FROM authors WHERE id IN (SELECT value FROM json_each(?))",
        [json.dumps(sorted(author_ids))],
    )
    return {row["id"]: row["handle"] or row["id"] for row in rows}
