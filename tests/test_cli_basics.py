"""The CLI starts fast, reports its version, and turns errors into one line."""

from __future__ import annotations

import json
import subprocess
import sys

from bot import __version__

HEAVY = ("tweepy", "praw", "atproto", "mastodon", "feedparser", "bs4", "apscheduler", "sqlalchemy", "twitter_text",
         # the author's side: notices and the review page load only when used
         "apprise", "starlette", "uvicorn", "jinja2", "markupsafe", "multipart", "python_multipart")


def test_version(cli_run):
    result = cli_run("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"bot, version {__version__}"


def test_help_imports_no_platform_sdk():
    code = (
        "import sys, json\n"
        "from bot.cli import main\n"
        "sys.argv = ['bot', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == [], f"bot --help imported {loaded}"
    assert "Usage: bot" in out.stdout


def test_unknown_command_is_one_line_error(cli_run):
    result = cli_run("no-such-command")
    assert result.exit_code == 2
    assert "No such command" in result.output
    assert "Traceback" not in result.output


def test_bad_config_is_one_line_error(cli_run, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[newsletter\nname = 1\n")
    result = cli_run("--config", str(bad), "migrate")
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert "is not valid TOML" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_config_file_is_one_line_error(cli_run, tmp_path):
    result = cli_run("--config", str(tmp_path / "absent.toml"), "migrate")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: config file not found: {tmp_path / 'absent.toml'}"


def test_unexpected_errors_are_one_line_and_debug_tracebacks_are_scrubbed(tmp_path, monkeypatch):
    import click
    from click.testing import CliRunner

    from bot.cli import App, BotGroup

    monkeypatch.chdir(tmp_path)

    @click.group(cls=BotGroup)
    @click.option("--debug", is_flag=True)
    @click.pass_context
    def group(ctx, debug):
        ctx.obj = App(debug=debug)

    @group.command()
    def boom():
        raise RuntimeError("request failed with Authorization: Bearer tok-SECRET-123")

    env = {"X_BEARER_TOKEN": "tok-SECRET-123"}
    plain = CliRunner().invoke(group, ["boom"], env=env)
    assert plain.exit_code == 1
    assert plain.output == ("Error: unexpected RuntimeError: request failed with Authorization: "
                            "Bearer *** (rerun with --debug for details)\n")
    debug = CliRunner().invoke(group, ["--debug", "boom"], env=env)
    assert debug.exit_code == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "tok-SECRET-123" not in debug.output
    assert debug.stderr.rstrip().endswith("Error: unexpected RuntimeError: request failed with "
                                          "Authorization: Bearer ***")


def test_help_imports_no_command_module():
    # bot --help lists every command from bot.commands.COMMANDS; bot NAME loads only NAME's module.
    code = (
        "import sys, json\n"
        "from bot.cli import main\n"
        "sys.argv = ['bot', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('bot.commands.'))))\n"
    )
    top = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True, text=True, check=True)
    assert json.loads(top.stdout.strip().splitlines()[-1]) == []
    assert "mark-used" in top.stdout and "serve" in top.stdout
    one = subprocess.run([sys.executable, "-c", code, "hold", "--help"], capture_output=True, text=True, check=True)
    assert json.loads(one.stdout.strip().splitlines()[-1]) == ["bot.commands.hold"]
