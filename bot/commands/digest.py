"""Provide ``bot digest`` and ``bot mark-used``."""

from __future__ import annotations

import click

from bot.settings import PLATFORMS


@click.command()
@click.option("--since", default="7d", show_default=True, help="Window: threads with a post in the last 7d, 36h, 2w ...")
@click.option("--until", "until", metavar="TIME",
              help="End of the window, ISO-8601 (2026-03-09T12:00Z; a bare date is its midnight UTC). Default: now.")
@click.option("--top", type=click.IntRange(1, 100), default=5, show_default=True, help="Threads per platform.")
@click.option("--format", "fmt", type=click.Choice(["md", "html"]), default="md", show_default=True,
              help="md pastes into Substack; html is a page to read in a browser.")
@click.option("--platform", type=click.Choice(PLATFORMS), multiple=True, help="Only this platform (repeatable).")
@click.option("--explain", is_flag=True, help="Show each part of every thread's score.")
@click.option("--include-used", is_flag=True, help="Also list threads already used in an issue (scored -10).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Write to a file instead of stdout.")
@click.pass_obj
def digest(app, since, until, top, fmt, platform, explain, include_used, output) -> None:
    """Draft the "Tales of the Twitterverse" section from the best harvested threads.

    Threads are ranked by an explainable score (engagement per platform and age, thread
    length, links to papers, code and data, [digest] keywords, allow and deny lists) and
    grouped: X, Bluesky, then "From Reddit". Threads used in an issue (bot mark-used, or
    linked or embedded in a stored issue) are left out.

    Example:

    \b
        bot digest --since 7d --top 5 --explain
        bot digest --format html -o digest.html
    """
    from bot.digest.build import build_digest
    from bot.digest.render import to_html, to_markdown
    from bot.timeutil import parse_duration, utcnow

    window = parse_duration(since, name="--since")
    end = _until(until)
    result = build_digest(
        app.db, app.settings, since=window, top=top, platforms=platform or None,
        include_used=include_used, clock=(lambda: end) if end else utcnow,
    )
    text = to_html(result, explain=explain) if fmt == "html" else to_markdown(result, explain=explain)
    if output == "-":
        click.echo(text, nl=False)
    else:
        from bot.commands.options import write_output

        write_output(output, text)
        click.echo(f"wrote {output} ({len(result.entries)} threads)")


def _until(value: str | None):  # -> datetime | None
    if value is None:
        return None
    from bot.errors import ConfigError
    from bot.timeutil import parse_iso

    try:
        return parse_iso(value)
    except ValueError:
        raise ConfigError(
            f"invalid --until {value!r}: use an ISO-8601 time such as 2026-03-09T12:00Z or a date"
        ) from None


@click.command(name="mark-used")
@click.argument("refs", nargs=-1, required=True)
@click.option("--issue", required=True, help="The issue (number or key) the threads were used in.")
@click.pass_obj
def mark_used(app, refs, issue) -> None:
    """Mark harvested threads as used in an issue, so bot digest stops suggesting them.

    REFS are thread ids, post ids or post URLs (X, Bluesky, Reddit); every one must be
    harvested, or nothing is marked. Threads a stored issue links to or embeds are marked
    automatically.

    Example:

        bot mark-used https://x.com/mat_sci_anna/status/2029844432286674944 --issue 34
    """
    from bot.digest.used import mark_used as mark

    threads = mark(app.db, refs, issue=issue)
    click.echo(f"marked {len(threads)} thread(s) as used in issue {issue.strip()}: {', '.join(threads)}")
