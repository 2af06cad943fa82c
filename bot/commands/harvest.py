"""Provide ``bot harvest``."""

from __future__ import annotations

import sys

import click

from bot.settings import PLATFORMS


@click.command(name="harvest")
@click.option("--source", "names", multiple=True, metavar="NAME", help="Only this source (repeatable).")
@click.option("--platform", type=click.Choice(PLATFORMS), help="Only this platform's sources.")
@click.option(
    "--load", "load_path", type=click.Path(dir_okay=False), metavar="FILE",
    help="Save a saved API response body (JSON) instead of fetching; needs --platform.",
)
@click.pass_obj
def harvest(app, names: tuple[str, ...], platform: str | None, load_path: str | None) -> None:
    """Harvest posts from the sources in bot.toml into the database.

    Each source resumes where its last run stopped; a rate limit stops that source cleanly
    (what it fetched is kept) and says when to try again. --load runs a saved X, Bluesky
    or Reddit response body through the same transform and save.

    Example:

    \b
        bot harvest --source x-ml4sci
        bot harvest --platform x --load search-response.json
    """
    from bot import harvest as pipeline

    if load_path:
        if not platform:
            raise click.UsageError(f"--load needs --platform ({', '.join(PLATFORMS)})")
        results = [pipeline.load_file(app.settings, app.db, platform=platform, path=load_path)]
    else:
        line = StatusLine()
        try:
            results = pipeline.harvest(
                app.settings, app.db, names=names, platform=platform, progress=line.show
            )
        finally:
            line.clear()
    click.echo(summary(results))
    for result in results:
        if result.status != "ok":
            click.echo(f"{result.source}: {result.message}", err=True)
    if any(r.status == "error" for r in results):
        sys.exit(1)


def summary(results) -> str:
    """A plain table: one row per source."""
    from bot.costs import usd

    priced = any(r.reads or r.cost_usd for r in results)
    header: tuple[str, ...] = ("source", "platform", "seen", "new", "requests", "skipped", "status")
    if priced:
        header = (*header[:6], "reads", "cost", "status")
    rows = [header] + [
        (r.source, r.platform, str(r.posts_seen), str(r.posts_new), str(r.requests), str(r.skipped),
         *((str(r.reads), usd(r.cost_usd)) if priced else ()), r.status)
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    numeric = {2, 3, 4, 5, 6, 7} if priced else {2, 3, 4, 5}
    lines = []
    for row in rows:
        cells = [cell.rjust(w) if i in numeric else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


class StatusLine:
    """One self-rewriting progress line on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.width = 0

    def show(self, result) -> None:
        if not self.enabled:
            return
        text = (
            f"{result.source}: {result.pages} pages, {result.posts_seen} posts "
            f"({result.posts_new} new), {result.requests} requests"
        )
        click.echo("\r" + text.ljust(self.width), err=True, nl=False)
        self.width = len(text)

    def clear(self) -> None:
        if self.enabled and self.width:
            click.echo("\r" + " " * self.width + "\r", err=True, nl=False)
