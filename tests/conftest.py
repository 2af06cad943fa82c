"""Shared pytest fixtures: a fresh database, the CLI runner, the bundled sample issue."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_ISSUE = ROOT / "examples" / "ml4sci-33.txt"
SAMPLE_CONFIG = ROOT / "examples" / "bot.toml"  # names the sample's newsletter, as a user's bot.toml would

# Property-based fuzzing (tests/test_fuzz_*.py). "ci" is what every test run uses (bounded:
# the fuzz tests together take well under a minute on one core); "fuzz" is `make fuzz`, the long
# hunt. Pick one with HYPOTHESIS_PROFILE. No deadline: a slow example on a busy machine is not
# a failure; derandomised in CI so a red build is reproducible.
_FUZZ = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                                     HealthCheck.function_scoped_fixture]}
hypothesis_settings.register_profile("ci", max_examples=60, derandomize=True, print_blob=True, **_FUZZ)
hypothesis_settings.register_profile(
    "fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "3000")), print_blob=True, **_FUZZ
)
hypothesis_settings.register_profile("dev", max_examples=15, **_FUZZ)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Fixtures that other test modules share live in tests/support/*; list them here.
pytest_plugins: list[str] = [
    "tests.support.http_server", "tests.support.bsky_network", "tests.support.hostile",
]


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
def x_server():
    """The loopback fake X (tests/fakes/x_server.py), checked for unexpected requests at the end."""
    from tests.fakes.x_server import XServer

    with XServer() as fake:
        yield fake
        fake.check()


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
