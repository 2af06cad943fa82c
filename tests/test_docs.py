"""Every command has help text with an example, and the README documents every command."""

from __future__ import annotations

import click
import pytest

from bot.cli import cli
from tests.conftest import ROOT


def _commands(group: click.Group, prefix: str = ""):
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"bot {prefix}{name} is listed but does not load"
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix}{name} ")


COMMANDS = list(_commands(cli))


def test_there_are_commands():
    assert len(COMMANDS) >= 1


@pytest.mark.parametrize("name,command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_command_has_summary_and_example(name, command):
    doc = command.help or ""
    assert doc.strip(), f"bot {name} has no help text"
    assert "Example:" in doc, f"bot {name} help has no Example: block"
    example = doc.split("Example:", 1)[1]
    assert f"bot {name.split()[0]}" in example, f"bot {name}'s example does not run bot {name}"


def test_the_help_list_summaries_are_the_commands_own():
    # bot --help lists the commands from bot.commands.COMMANDS without importing them.
    from bot.commands import COMMANDS as TABLE

    loaded = {name: command for name, command in COMMANDS if " " not in name}
    assert set(TABLE) == set(loaded)
    for name, entry in TABLE.items():
        assert click.Command(name, help=entry.summary).get_short_help_str(1000) == loaded[name].get_short_help_str(1000), name


@pytest.mark.parametrize("name,command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_readme_documents_command(name, command):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"bot {name}" in readme, f"README.md does not document bot {name}"


@pytest.mark.parametrize("name,command", COMMANDS, ids=[n for n, _ in COMMANDS])
def test_help_runs(cli_run, name, command):
    result = cli_run(*name.split(), "--help")
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
