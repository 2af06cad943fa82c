"""Provide what the hostile-input tests share: ``bot`` as a subprocess, and the checks that an
answer is one clear line with no traceback and no secret in it.

Secrets carry :data:`tests.test_secrets.MARKER` (``sekrit``) as the secrets suite's do, so a
leak in any form (stripped, URL-encoded, cut short) still shows the marker.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import ROOT

MARKER = "sekrit"  # the same marker as tests/test_secrets.py


@dataclass(frozen=True)
class Done:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def bot(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60) -> Done:
    """Run ``python -m bot ARGS`` in ``cwd`` with a clean environment plus ``env``."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("BOT_", "X_", "BLUESKY_", "REDDIT_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=cwd, env={**base, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    return Done(done.returncode, done.stdout, done.stderr)


def one_line_error(output: str, returncode: int) -> str:
    """The ``Error: ...`` line of a failed run, after checking it is the only sign of failure."""
    assert returncode != 0, output
    assert "Traceback" not in output, output
    errors = [line for line in output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, output
    assert "unexpected" not in errors[0], errors[0]  # the project's own word for a bug
    return errors[0]


def secret_forms(secret: str) -> set[str]:
    forms = {secret, secret.strip()}
    forms |= {quote(f, safe="") for f in list(forms)}
    return {f for f in forms if f}


def assert_no_secret(output: str, *secrets: str) -> None:
    for secret in secrets:
        for form in secret_forms(secret):
            assert form not in output, (form, output[-2000:])
    assert MARKER not in output, output[-2000:]


#: secrets set (with the whitespace that once leaked them) for every hostile CLI run
SECRETS_ENV = {
    "X_BEARER_TOKEN": f"{MARKER}-xbearer-0a0a ",
    "X_API_SECRET": f"{MARKER}-xsecret-1b1b\r",
    "BLUESKY_APP_PASSWORD": f"{MARKER}-bskypw-2c2c",
    "REDDIT_CLIENT_SECRET": f"{MARKER}-redditsecret-3d3d",
}


@pytest.fixture
def hostile_cli(cli_run):
    """``cli_run`` with secrets in the environment, checking that none reaches the output."""

    def run(*args: str, env: dict[str, str] | None = None, **kwargs):
        result = cli_run(*args, env={**SECRETS_ENV, **(env or {})}, **kwargs)
        assert_no_secret(result.output, *SECRETS_ENV.values())
        return result

    return run
