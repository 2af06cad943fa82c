"""Provide ``bot status``."""

from __future__ import annotations

import click


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_obj
def status(app, fmt) -> None:
    """Show, per issue and platform, what is posted, pending or failed, with links.

    Example:

        bot status
    """
    import json

    from bot.publish.outbox import summary

    rows = summary(app.db)
    if fmt == "json":
        click.echo(json.dumps({"threads": rows}, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("Nothing posted yet.")
        return
    for row in rows:
        label = f"#{row['number']} " if row["number"] is not None else ""
        title = (row["title"] or row["issue_key"])[:60]
        state = "posted" if row["sent"] == row["posts"] else (
            "failed" if row["failed"] else "in progress" if row["unsettled"] else "pending"
        )
        click.echo(
            f"{label}{title}\n  {row['platform']:8} {state:12} {row['sent']}/{row['posts']} sent"
            f"  pending {row['pending']}  unsettled {row['unsettled']}  failed {row['failed']}"
        )
        if row["first_url"] and row["sent"]:
            click.echo(f"           {row['first_url']}")
        if row["last_error"] and row["sent"] != row["posts"]:
            click.echo(f"           last error: {row['last_error']}")
