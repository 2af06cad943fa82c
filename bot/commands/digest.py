"""Provide ``bot digest`` and ``bot mark-used``."""

from __future__ import annotations

import click


@click.command()
@click.option("--since", default="7d", show_default=True, help="Window: threads active in the last 7d, 36h, ...")
@click.option("--top", type=click.IntRange(1, 100), default=5, show_default=True, help="Threads per platform.")
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True)
@click.option("--platform", type=click.Choice(["x", "bluesky", "reddit"]), multiple=True)
@click.option("--explain", is_flag=True, help="Show each part of every thread's score.")
@click.option("--include-used", is_flag=True, help="Also list threads already used in an issue.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Write to a file instead of stdout.")
@click.pass_obj
def digest(app, since, top, fmt, platform, explain, include_used, output) -> None:
    """Draft the "Tales of the Twitterverse" section from the best harvested threads.

    Threads are ranked by an explainable score (engagement per platform and age, thread
    length, links to papers, code and data, [digest].keywords, allow/deny lists; threads
    already used in an issue are left out), grouped by platform, then "From Reddit".

    Example:

        bot digest --since 7d --top 5 --explain
    """
    from pathlib import Path

    from bot.digest.build import build_digest
    from bot.digest.render import to_html, to_markdown
    from bot.timeutil import parse_duration

    result = build_digest(app.db, app.settings, since=parse_duration(since, name="--since"), top=top,
                          platforms=platform or None, include_used=include_used)
    text = to_html(result, explain=explain) if fmt == "html" else to_markdown(result, explain=explain)
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"wrote {output} ({len(result.entries)} threads)")


@click.command(name="mark-used")
@click.argument("refs", nargs=-1, required=True)
@click.option("--issue", required=True, help="The issue (number or key) the threads were used in.")
@click.pass_obj
def mark_used(app, refs, issue) -> None:
    """Mark harvested threads as used in an issue, so bot digest stops suggesting them.

    REFS are thread ids, post ids or post URLs (X, Bluesky, Reddit). Threads an issue links
    to or embeds are marked automatically.

    Example:

        bot mark-used https://x.com/someone/status/1460323737035677698 --issue 34
    """
    from bot.digest.used import mark_used as mark

    threads = mark(app.db, refs, issue=issue)
    click.echo(f"marked {len(threads)} thread(s) as used in issue {issue}: {', '.join(threads)}")
