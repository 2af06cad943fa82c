"""Provide the list of ``bot`` subcommands, one module each."""

from __future__ import annotations

from bot.commands.approve import approve
from bot.commands.digest import digest, mark_used
from bot.commands.draft import draft
from bot.commands.harvest import harvest
from bot.commands.hold import hold, release
from bot.commands.migrate import migrate
from bot.commands.post import post
from bot.commands.preview import preview
from bot.commands.run import run
from bot.commands.search import search
from bot.commands.serve import serve
from bot.commands.status import status
from bot.commands.thread import thread

COMMANDS = [migrate, preview, post, status, harvest, thread, search, run, hold, release, digest, mark_used,
            draft, approve, serve]
