"""Provide the ``bot`` command group.

Commands stay thin: each lives in ``bot/commands/<name>.py``, parses options and calls
library code. Nothing heavy (tweepy, praw, atproto, feedparser) is imported here, so
``bot --help`` is instant.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import click

from bot import __version__
from bot.commands import COMMANDS, Entry
from bot.errors import BotError


class App:
    """What every command gets: settings and the database, both loaded on first use.

    A plain class, not a record: ``bot --help`` imports nothing it does not need.
    """

    def __init__(self, config: str | None = None, db_option: str | None = None, debug: bool = False,
                 overrides: dict[str, Any] | None = None) -> None:
        self.config = config
        self.db_option = db_option
        self.debug = debug
        self.overrides: dict[str, Any] = dict(overrides or {})

    @cached_property
    def settings(self):  # -> bot.settings.Settings
        from bot.settings import load

        return load(self.config, overrides={"db": self.db_option, **self.overrides})

    @cached_property
    def db(self):  # -> sqlite_utils.Database
        from bot.db import open_db

        return open_db(self.settings.db_path)

    def db_path_shown(self) -> str:
        try:
            return str(self.settings.db_path)
        except Exception:
            return self.db_option or "the database"

    @cached_property
    def scrubber(self):  # -> bot.log.Scrub
        """The same scrubber the logs use; built even when the settings cannot be loaded."""
        from bot.log import Scrub

        try:
            return Scrub(self.settings.secret_values())
        except Exception:  # the settings are what failed: scrub what the environment holds
            return Scrub(_fallback_secrets())

    def scrub(self, text: str) -> str:
        """``text`` with every secret masked. It runs on the error path, so it never raises."""
        try:
            return self.scrubber.scrub(text)
        except Exception:
            return text


def _fallback_secrets() -> list[str]:
    """Secrets from the real environment and a leniently decoded ``.env``, for an error path
    whose settings failed to load (a ``.env`` with a stray byte, a wrong type in bot.toml).
    """
    import io
    import os
    from pathlib import Path

    from bot.settings import secret_values

    env: dict[str, str] = {}
    try:
        dotenv = Path(".env")
        if dotenv.is_file():
            from dotenv import dotenv_values

            text = dotenv.read_bytes().decode("utf-8", "replace")
            env.update({k: v for k, v in dotenv_values(stream=io.StringIO(text)).items() if v})
    except Exception:
        pass
    env.update(os.environ)
    return secret_values(env)


class BotGroup(click.Group):
    """A group that loads each command of its ``lazy`` table (``bot.commands.COMMANDS``) only
    when it runs, and turns errors into one line and a non-zero exit, never a traceback.
    """

    def __init__(self, *args: Any, lazy: Mapping[str, Entry] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: Mapping[str, Entry] = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = self.lazy.get(cmd_name)
        if cmd_name not in self.commands and entry is not None:
            import importlib

            self.add_command(getattr(importlib.import_module(entry.module), entry.attribute), cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table's summaries, so ``bot --help`` imports no command."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name in self.commands:  # loaded already (or added directly): its own help
                command = self.get_command(ctx, name)
                if command is None or command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(limit)))
            else:
                # shortened exactly as click shortens the command's own help
                rows.append((name, click.Command(name, help=self.lazy[name].summary).get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

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
            import sqlite3  # not at import time: bot --help opens no database

            app = ctx.obj if isinstance(ctx.obj, App) else None
            if isinstance(exc, sqlite3.Error):  # read-only, locked past the busy timeout, full
                from bot.db import database_error

                path = app.db_path_shown() if app else "the database"
                raise click.ClickException(_one_line(ctx, str(database_error(exc, path)))) from None
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


@click.group(cls=BotGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
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
    """ml4sci-bot: harvest science threads from X, Bluesky, Reddit and Mastodon, and post each
    newsletter issue's thread exactly once.

    Example:

        bot preview examples/ml4sci-33.txt
    """
    app = ctx.obj = App(config=config, db_option=db_option, debug=debug)
    import logging  # not at import time: bot --help needs no logging

    from bot.log import setup_logging

    # Settings that fail to load are reported by the command that needs them (or, for one
    # that needs none, not at all); the logs still mask what the environment holds.
    setup_logging(level=logging.DEBUG if debug else logging.INFO, secrets=app.scrubber.secrets)
    try:
        warnings = app.settings.warnings
    except Exception:
        warnings = ()
    for warning in warnings:
        click.echo(app.scrub(f"Warning: {warning}"), err=True)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="bot")
    finally:
        # The process is ending, and interpreter shutdown would walk everything start-up
        # built (modules, compiled patterns, records) in a last full garbage collection:
        # about 10 ms of a 200 ms bot preview. Frozen, they are left to the OS. atexit
        # handlers still run and modules are still torn down; only garbage *cycles* made
        # before this point go uncollected, and every file and database is closed by then.
        import gc

        gc.freeze()
