"""Provide the list of ``bot`` subcommands, one module each."""

from __future__ import annotations

from bot.commands.migrate import migrate
from bot.commands.preview import preview

COMMANDS = [migrate, preview]
