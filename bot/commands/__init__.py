"""Provide the list of ``bot`` subcommands, one module each."""

from __future__ import annotations

from bot.commands.db import db_group as migrate

COMMANDS = [migrate]
