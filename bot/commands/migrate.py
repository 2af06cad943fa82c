"""Provide ``bot migrate``."""

from __future__ import annotations

import click


@click.command(name="migrate")
@click.pass_obj
def migrate(app) -> None:
    """Create or upgrade the database schema and list the applied migrations.

    Every command migrates on open; this one shows what the database holds.

    Example:

        bot migrate
    """
    from bot.migrations import migrations

    db = app.db
    for applied in migrations.applied(db):
        click.echo(f"{applied.name}  {applied.applied_at}")
    click.echo(f"{app.settings.db_path}: {len(migrations.applied(db))} migrations applied")
