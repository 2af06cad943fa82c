"""Provide ``bot preview``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.commands.options import draft_note, existing_db, issue_options, parse_pick, write_output


@click.command()
@click.argument("source", required=False)
@issue_options
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True,
    help="text for the terminal, json for tools, html for a page of cards.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
    help="Where --format html writes its page (default: preview.html; '-' for stdout).",
)
@click.option("--stories", "list_stories", is_flag=True, help="List the issue's numbered stories (the numbers --pick takes) and stop.")
@click.pass_obj
def preview(app, source, platform, pick, highlights, url, entry, fmt, output, list_stories) -> None:
    """Show exactly what would be posted for an issue, post by post, with lengths.

    SOURCE is a file (text, Markdown, HTML, feed XML, Substack JSON) or a URL; without it,
    the newest issue in the database, else the configured feed. A file needs no
    credentials and no network.

    Example:

        bot preview examples/ml4sci-33.txt --platform bluesky --format json
        bot preview https://example.substack.com/feed --entry 2 --stories
    """
    from bot import preview as render
    from bot.costs import thread_costs
    from bot.drafts.store import plan as plan_for
    from bot.resolve import resolve_issue

    issue = resolve_issue(app, source, url=url, entry=entry)
    if list_stories:
        from bot.preview_stories import list_text

        click.echo(list_text(issue), nl=False)
        return
    planned = plan_for(existing_db(app), issue, app.settings, platforms=platform or None,
                       pick=parse_pick(pick), count=highlights)
    threads, plan = planned.threads, planned.plan
    if planned.drafted:
        click.echo(draft_note(issue, planned), err=True)
    costs = thread_costs(issue, threads, app.settings, pick=parse_pick(pick), count=highlights)
    if fmt == "json":
        click.echo(render.to_json(issue, threads, plan=plan, costs=costs))
    elif fmt == "html":
        from bot.review.cards import accounts

        page = render.to_html(issue, threads, accounts=accounts(app.settings, issue), costs=costs)
        if output == "-":
            click.echo(page)
        else:
            path = Path(output or "preview.html")
            write_output(str(path), page)
            click.echo(f"wrote {path} ({sum(len(t.posts) for t in threads.values())} posts)")
    else:
        click.echo(render.to_text(issue, threads, color=sys.stdout.isatty(), plan=plan, costs=costs),
                   nl=False)
