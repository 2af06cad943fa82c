"""Provide ``bot thread``."""

from __future__ import annotations

import click


@click.command(name="thread")
@click.argument("url")
@click.option("--replies", is_flag=True, help="On X, keep everyone's replies, not only the author's chain.")
@click.pass_obj
def thread(app, url: str, replies: bool) -> None:
    """Fetch one whole thread, save it and print it.

    URL is an X status URL, a bsky.app post URL or at:// URI, or a Reddit comments URL.
    X keeps the author's own chain of replies; Reddit expands the full comment tree.

    Example:

        bot thread https://x.com/ml4sci/status/1460323737035677698
    """
    from bot.harvest import fetch_thread
    from bot.threadview import render_thread

    _platform, rows = fetch_thread(app.settings, app.db, url, include_replies=replies)
    if not rows.posts:
        raise click.ClickException(f"no posts found for {url}")
    click.echo(render_thread(app.db, rows.posts), nl=False)
