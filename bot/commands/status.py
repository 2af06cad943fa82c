"""Provide ``bot status``."""

from __future__ import annotations

import click


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--health", is_flag=True,
              help="Exit 0 only if a bot run is alive and polling (for container healthchecks).")
@click.pass_obj
def status(app, fmt, health) -> None:
    """Show each issue's state, what is posted, pending or failed, with links, and the jobs.

    An issue is new, drafted (bot draft), approved (bot approve), held (bot hold), posting
    or posted; the back catalogue bot run will not post is left out.

    Example:

        bot status
    """
    import json

    from bot.approval import issue_states, next_step
    from bot.publish.outbox import summary
    from bot.status import health as check_health
    from bot.status import job_rows

    db = app.db
    if health:
        problem = check_health(db, app.settings)
        if problem:
            raise click.ClickException(f"unhealthy: {problem}")
        click.echo("healthy")
        return
    from bot.costs import month_spend

    threads, issues, jobs = summary(db), issue_states(db), job_rows(db)
    spend = month_spend(db, app.settings)
    if fmt == "json":
        click.echo(json.dumps({"threads": threads, "issues": issues, "jobs": jobs, "spend": spend},
                              indent=2, ensure_ascii=False))
        return
    _threads(threads)
    _spend(spend)
    if issues:
        gate = " (approval required)" if app.settings.require_approval else ""
        click.echo(f"\nIssues{gate}:")
        for row in issues:
            label = f"#{row['number']} " if row["number"] is not None else ""
            step = next_step(row, require_approval=app.settings.require_approval)
            click.echo(f"  {label}{(row['title'] or row['issue_key'])[:60]}: {row['state']} · {step}")
            if row["last_error"] and row["state"] not in ("posted", "posting"):
                click.echo(f"      last error: {row['last_error']}")
    if jobs:
        click.echo("\nJobs:")
        for row in jobs:
            last = (f"last {row['status']} at {row['started_at']} ({row['duration_ms']} ms)"
                    if row.get("started_at") else "never ran")
            click.echo(f"  {row['job']:28} next {row['next_run'] or '-':21} {last}")
            if row.get("error"):
                click.echo(f"      {row['error']}")


def _spend(spend) -> None:
    from bot import platforms
    from bot.costs import usd

    for platform, row in spend.items():
        click.echo(
            f"{platforms.name(platform)} spend this month (UTC, our records): {usd(row['total_usd'])}"
            f" · {row['posts']} posts {usd(row['posts_usd'])} · {row['reads']} reads {usd(row['reads_usd'])}"
        )


def _threads(rows) -> None:
    if not rows:
        click.echo("Nothing posted yet.")
        return
    order = {key: n for n, key in reversed(list(enumerate(r["issue_key"] for r in rows)))}
    rows = sorted(rows, key=lambda r: order[r["issue_key"]])  # stable: platforms stay in order
    shown_issue = None
    for row in rows:
        label = f"#{row['number']} " if row["number"] is not None else ""
        title = (row["title"] or row["issue_key"])[:60]
        state = "posted" if row["sent"] == row["posts"] else (
            "refused" if row["refused"] else "failed" if row["failed"]
            else "in progress" if row["unsettled"] else "pending"
        )
        if row["issue_key"] != shown_issue:  # one header per issue, its platforms below it
            click.echo(f"{label}{title}")
            shown_issue = row["issue_key"]
        click.echo(
            f"  {row['platform']:8} {state:12} {row['sent']}/{row['posts']} sent"
            f"  pending {row['pending']}  unsettled {row['unsettled']}  failed {row['failed']}"
        )
        if row["first_url"] and row["sent"]:
            click.echo(f"           {row['first_url']}")
        if row["refused"]:
            click.echo(f"           refused: {row['refused']}")
        elif row["last_error"] and row["sent"] != row["posts"]:
            click.echo(f"           last error: {row['last_error']}")
