"""Provide ``bot post``."""

from __future__ import annotations

import sys

import click

from bot.commands.options import draft_note, existing_db, issue_options, parse_pick


@click.command()
@click.argument("source", required=False)
@issue_options
@click.option("--dry-run", is_flag=True, help="Print exactly what bot preview prints; touch no network.")
@click.option("--yes", "-y", is_flag=True, help="Post without asking for confirmation.")
@click.option("--retry-failed", is_flag=True,
              help="Send again the posts a platform refused earlier (after fixing the cause).")
@click.pass_obj
def post(app, source, platform, pick, highlights, url, entry, dry_run, yes, retry_failed) -> None:
    """Post an issue's thread to each platform, exactly once, and print the links.

    Composes with the same code as bot preview, records the thread in the outbox, then
    posts. Running it again posts nothing new; after a crash or a rate limit it resumes
    where the thread stopped. Without --yes it shows the preview and asks first.

    Example:

        bot post https://ml4sci.substack.com/feed --platform bluesky --yes
    """
    from bot import preview as render
    from bot.drafts.store import plan as plan_for
    from bot.publish.service import build_publisher, post_threads, raise_unfinished, report
    from bot.resolve import resolve_issue

    issue = resolve_issue(app, source, url=url, entry=entry)
    planned = plan_for(existing_db(app), issue, app.settings, platforms=platform or None,
                       pick=parse_pick(pick), count=highlights)
    threads, plan = planned.threads, planned.plan
    if planned.drafted:
        click.echo(draft_note(issue, planned), err=True)
    if dry_run:
        click.echo(render.to_text(issue, threads, color=sys.stdout.isatty(), plan=plan), nl=False)
        return
    publishers = {name: build_publisher(name, app.settings, app.db) for name in threads}
    if not yes:
        click.echo(render.to_text(issue, threads, color=sys.stdout.isatty(), plan=plan), nl=False)
        if not sys.stdin.isatty():
            raise click.ClickException(
                "refusing to post without confirmation: run on a terminal, or pass --yes"
            )
        click.confirm(f"Post {len(threads)} thread(s) now?", abort=True)
    results = post_threads(app.db, issue, threads, publishers=publishers, retry_failed=retry_failed)
    for line in report(results):
        click.echo(line)
    for result in results:
        spent = _spent_now(result, app.settings)
        if spent:
            click.echo(spent)
    raise_unfinished(results)


def _spent_now(result, settings) -> str | None:
    """``x: 7 new posts, $0.29 at its prices``: what this run's new posts cost, where posting is charged."""
    from bot import platforms
    from bot.costs import price_posts, usd

    if not result.sent_now:
        return None
    sent = [p for p in result.posts if p.state == "sent"][-result.sent_now:]
    prices = price_posts(result.platform, [p.text for p in sent], settings)
    if prices is None:
        return None
    return (f"{result.platform}: {result.sent_now} new post{'s' if result.sent_now != 1 else ''}, "
            f"{usd(sum(prices))} at {platforms.name(result.platform)}'s prices")
