"""Provide ``bot search``."""

from __future__ import annotations

import click

from bot.settings import PLATFORMS


@click.command(name="search")
@click.argument("query")
@click.option("--platform", type=click.Choice(PLATFORMS), help="Only posts from this platform.")
@click.option("--since", metavar="DATE", help="Only posts from this date (2024-05-01) or this long ago (7d).")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="At most this many.")
@click.pass_obj
def search(app, query: str, platform: str | None, since: str | None, limit: int) -> None:
    """Search harvested posts (full text), best matches first, with their links.

    Every word must match; a word ending in * matches as a prefix.

    Example:

        bot search "graph neural network" --platform x --since 7d
    """
    from bot.search import find_posts, parse_since

    rows = find_posts(app.db, query, platform=platform, since=parse_since(since), limit=limit)
    if not rows:
        click.echo(f"no posts match {query!r}")
        return
    for row in rows:
        text = " ".join((row["text"] or "").split())
        text = text if len(text) <= 200 else text[:199] + "…"
        click.echo(f"{row['created_at'] or '?'}  [{row['platform']}] @{row['handle'] or '?'}")
        click.echo(f"  {text}")
        click.echo(f"  {row['url'] or row['id']}")
    click.echo(f"{len(rows)} match{'es' if len(rows) != 1 else ''}")
