"""Provide ``bot approve``."""

from __future__ import annotations

import click


@click.command()
@click.argument("issue")
@click.pass_obj
def approve(app, issue) -> None:
    """Approve an issue: bot run posts it (its stored draft, if any) at its next check.

    ISSUE is the issue's number, its feed guid or its URL, as bot hold takes it. Approving
    also lifts a hold. With [run] require_approval = true, bot run posts nothing that is
    not approved; a new draft withdraws the approval.

    Example:

        bot approve 34
    """
    from bot.approval import approve as approve_issue
    from bot.approval import issue_state
    from bot.drafts.store import load_posts

    key = approve_issue(app.db, issue)
    _posts, saved = load_posts(app.db, key)
    row = issue_state(app.db, key) or {}
    label = f"#{row['number']}" if row.get("number") is not None else key
    text = f"the stored draft saved {saved}" if saved else "the composed thread"
    click.echo(f"approved issue {label}: bot run posts {text} at its next check")
