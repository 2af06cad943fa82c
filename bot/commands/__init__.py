"""Provide the list of ``bot`` subcommands, one module each."""

from __future__ import annotations

from bot.commands.migrate import migrate
from bot.commands.post import post
from bot.commands.preview import preview
from bot.commands.status import status

COMMANDS = [migrate, preview, post, status]
