"""Shared pytest fixtures: a fresh database, the CLI runner, the bundled sample issue."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_ISSUE = ROOT / "examples" / "ml4sci-33.txt"
SAMPLE_CONFIG = ROOT / "examples" / "bot.toml"  # names the sample's newsletter, as a user's bot.toml would

# Fixtures that other test modules share live in tests/support/*; list them here.
pytest_plugins: list[str] = ["tests.support.http_server", "tests.support.bsky_network"]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


@pytest.fixture
def db(db_path: Path):
    from bot.db import open_db

    database = open_db(db_path)
    yield database
    database.close()


@pytest.fixture
def cli_run(db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Invoke ``bot`` in-process with a fresh database and a clean working directory.

    The working directory is a temporary one so no ``bot.toml`` or ``.env`` from the
    developer's checkout leaks into a test.
    """
    from bot.cli import cli

    monkeypatch.chdir(tmp_path)
    for var in ("BOT_DB", "BOT_CONFIG", "BOT_FEED_URL"):
        monkeypatch.delenv(var, raising=False)

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None):
        runner = CliRunner()
        return runner.invoke(cli, ["--db", str(db_path), *args], input=input, env=env)

    return run
