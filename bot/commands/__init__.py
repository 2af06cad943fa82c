"""Provide the table of ``bot`` subcommands, one module each, loaded only when run.

``bot --help`` lists the commands from this table without importing any of them, so it costs
little more than importing click; ``bot NAME`` imports only ``NAME``'s module. Each summary is
its command's first help line; ``tests/test_docs.py`` checks they agree.
"""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    module: str
    attribute: str
    summary: str


COMMANDS: dict[str, Entry] = {
    "migrate": Entry("bot.commands.migrate", "migrate",
                     "Create or upgrade the database schema and list the applied migrations."),
    "preview": Entry("bot.commands.preview", "preview",
                     "Show exactly what would be posted for an issue, post by post, with lengths."),
    "post": Entry("bot.commands.post", "post",
                  "Post an issue's thread to each platform, exactly once, and print the links."),
    "status": Entry("bot.commands.status", "status",
                    "Show each issue's state, what is posted, pending or failed, with links, and the jobs."),
    "harvest": Entry("bot.commands.harvest", "harvest",
                     "Harvest posts from the sources in bot.toml into the database."),
    "thread": Entry("bot.commands.thread", "thread", "Fetch one whole thread, save it and print it."),
    "search": Entry("bot.commands.search", "search",
                    "Search harvested posts (full text), best matches first, with their links."),
    "run": Entry("bot.commands.run", "run",
                 "Harvest on schedule and post each new issue after its review window."),
    "hold": Entry("bot.commands.hold", "hold", "Keep bot run from posting an issue until it is released."),
    "release": Entry("bot.commands.hold", "release", "Let a held issue go: bot run posts it at its next check."),
    "digest": Entry("bot.commands.digest", "digest",
                    'Draft the "Tales of the Twitterverse" section from the best harvested threads.'),
    "mark-used": Entry("bot.commands.digest", "mark_used",
                       "Mark harvested threads as used in an issue, so bot digest stops suggesting them."),
    "draft": Entry("bot.commands.draft", "draft",
                   "Edit an issue's posts before they go out: write, edit and store its draft."),
    "approve": Entry("bot.commands.approve", "approve",
                     "Approve an issue: bot run posts it (its stored draft, if any) at its next check."),
    "serve": Entry("bot.commands.serve", "serve",
                   "Open the review page: edit each pending issue's posts, then save, approve or hold."),
}
