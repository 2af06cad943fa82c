"""Provide the ``bot`` command group.

Commands stay thin: each lives in ``bot/commands/<name>.py``, parses options and calls
library code. Nothing heavy (tweepy, praw, atproto, feedparser) is imported here, so
``bot --help`` is instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import click

from bot import __version__
from bot.errors import BotError


@dataclass
class App:
    """What every command gets: settings and the database, both loaded on first use."""

    config: str | None = None
    db_option: str | None = None
    debug: bool = False
    overrides: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def settings(self):  # -> bot.settings.Settings
        from bot.settings import load

        return load(self.config, overrides={"db": self.db_option, **self.overrides})

    @cached_property
    def db(self):  # -> sqlite_utils.Database
        from bot.db import open_db

        return open_db(self.settings.db_path)

    def scrub(self, text: str) -> str:
        try:
            secrets = self.settings.secret_values()
        except BotError:
            return text
        for secret in sorted(secrets, key=len, reverse=True):
            text = text.replace(secret, "***")
        return text


class BotGroup(click.Group):
    """A group that turns errors into one line and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BotError as exc:
            raise click.ClickException(_one_line(ctx, str(exc))) from None
        except KeyboardInterrupt:
            raise click.Abort() from None
        except Exception as exc:  # a bug, or a library error we did not anticipate
            app = ctx.obj if isinstance(ctx.obj, App) else None
            if app and app.debug:
                import traceback

                # Through the same scrubbing as everything else: an exception's text can
                # carry a request's headers or URL.
                click.echo(app.scrub("".join(traceback.format_exception(exc))), err=True)
                message = f"unexpected {type(exc).__name__}: {exc}"
            else:
                message = f"unexpected {type(exc).__name__}: {exc} (rerun with --debug for details)"
            raise click.ClickException(_one_line(ctx, message)) from None


def _one_line(ctx: click.Context, message: str) -> str:
    app = ctx.obj if isinstance(ctx.obj, App) else None
    text = " ".join(message.split())
    return app.scrub(text) if app else text


@click.group(cls=BotGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="bot")
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    help="Settings file (default: ./bot.toml, or $BOT_CONFIG).",
)
@click.option(
    "--db", "db_option", type=click.Path(dir_okay=False), help="SQLite file (default: $BOT_DB or ml4sci.db)."
)
@click.option("--debug", is_flag=True, help="Show debug logs and full tracebacks.")
@click.pass_context
def cli(ctx: click.Context, config: str | None, db_option: str | None, debug: bool) -> None:
    """ml4sci-bot: harvest science threads from X, Bluesky and Reddit, and post each
    newsletter issue's thread exactly once.

    Example:

        bot preview examples/ml4sci-33.txt
    """
    app = ctx.obj = App(config=config, db_option=db_option, debug=debug)
    import logging  # not at import time: bot --help needs no logging

    from bot.log import setup_logging

    try:
        secrets = app.settings.secret_values()
    except BotError:
        secrets = []  # the command that needs the settings reports the problem
    setup_logging(level=logging.DEBUG if debug else logging.INFO, secrets=secrets)


def _register() -> None:
    from bot.commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="bot")
