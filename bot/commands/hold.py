"""Provide ``bot hold`` and ``bot release``."""

from __future__ import annotations

import click


@click.command()
@click.argument("issue")
@click.pass_obj
def hold(app, issue) -> None:
    """Keep bot run from posting an issue until it is released.

    ISSUE is the issue's number, its feed guid or its URL.

    Example:

        bot hold 34
    """
    from bot.holds import hold as hold_issue

    key = hold_issue(app.db, issue)
    click.echo(f"held {key}: bot run will not post it until bot release {issue}")


@click.command()
@click.argument("issue")
@click.pass_obj
def release(app, issue) -> None:
    """Let a held issue go: bot run posts it at its next check.

    Also releases an issue from the back catalogue, which bot run would otherwise never post.

    Example:

        bot release 34
    """
    from bot.holds import release as release_issue

    key = release_issue(app.db, issue)
    click.echo(f"released {key}: bot run posts it at its next check")
