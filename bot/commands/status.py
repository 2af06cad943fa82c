"""Provide ``bot status``."""

from __future__ import annotations

import click


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--health", is_flag=True,
              help="Exit 0 only if a bot run is alive and polling (for container healthchecks).")
@click.pass_obj
def status(app, fmt, health) -> None:
    """Show what is posted, pending or failed per issue and platform, with links, and the jobs.

    Example:

        bot status
    """
    import json

    from bot.publish.outbox import summary
    from bot.status import health as check_health
    from bot.status import job_rows, schedule_rows

    db = app.db
    if health:
        problem = check_health(db, app.settings)
        if problem:
            raise click.ClickException(f"unhealthy: {problem}")
        click.echo("healthy")
        return
    threads, issues, jobs = summary(db), schedule_rows(db), job_rows(db)
    if fmt == "json":
        click.echo(json.dumps({"threads": threads, "issues": issues, "jobs": jobs}, indent=2,
                              ensure_ascii=False))
        return
    _threads(threads)
    if issues:
        click.echo("\nIssues bot run is watching:")
        for row in issues:
            label = f"#{row['number']} " if row["number"] is not None else ""
            state = "held" if row["held"] else row["status"]
            when = f" after {row['post_after']}" if state == "waiting" and row["post_after"] else ""
            click.echo(f"  {label}{(row['title'] or row['issue_key'])[:60]}: {state}{when}")
            if row["last_error"] and state != "posted":
                click.echo(f"      last error: {row['last_error']}")
    if jobs:
        click.echo("\nJobs:")
        for row in jobs:
            last = (f"last {row['status']} at {row['started_at']} ({row['duration_ms']} ms)"
                    if row.get("started_at") else "never ran")
            click.echo(f"  {row['job']:28} next {row['next_run'] or '-':21} {last}")
            if row.get("error"):
                click.echo(f"      {row['error']}")


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
            "failed" if row["failed"] else "in progress" if row["unsettled"] else "pending"
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
        if row["last_error"] and row["sent"] != row["posts"]:
            click.echo(f"           last error: {row['last_error']}")
