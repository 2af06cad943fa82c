"""deploy/: the Dockerfile, compose file, systemd units and backup script, checked for real
without a Docker engine or a running systemd.

* Static: the Dockerfile's COPY sources exist and pass .dockerignore (which keeps .env and
  databases out); every command line a container or unit runs parses as a real ``bot``
  command through the click CLI; ``docker compose config`` (the real Compose, no engine
  needed) resolves the compose file; hadolint passes; ``systemd-analyze verify`` and
  ``security --offline`` pass the units.
* IMAGE EQUIVALENT (the ``image`` fixture, ``test_image_*``): the builder stage replayed
  without Docker. Its COPY lines are copied into a scratch build context, the wheel is
  built from it with ``pip wheel --no-deps``, and a fresh venv gets that wheel plus exactly
  its declared runtime dependencies (no test extras, no setuptools). The container's
  own command lines then run from it: CMD, HEALTHCHECK, STOPSIGNAL, the backup script.
  Offline: the dependencies are linked from this test environment, not downloaded.
What stays unverified here: ``docker build`` itself (base image, apt/pip inside it).
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata as md
import json
import os
import re
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import click
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT
from tests.support.feeds import FeedServer

DEPLOY = ROOT / "deploy"
UNITS = ("ml4sci-bot.service", "ml4sci-bot-once.service")
BACKUP = DEPLOY / "backup.py"


# -- the Dockerfile, read the way Docker reads it ----------------------------------------------
@dataclass(frozen=True)
class Instruction:
    stage: int
    keyword: str
    args: str

    def argv(self) -> list[str]:
        """Exec (JSON) form only: a shell form would put /bin/sh between Docker and bot."""
        value = json.loads(self.args)
        assert isinstance(value, list), f"{self.keyword} must use the exec form: {self.args}"
        return value


def dockerfile() -> list[Instruction]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    logical, out, stage = "", [], -1
    for line in text.splitlines():
        if not logical and (not line.strip() or line.lstrip().startswith("#")):
            continue
        logical += line.strip()
        if logical.endswith("\\"):
            logical = logical[:-1].rstrip() + " "
            continue
        keyword, _, args = logical.strip().partition(" ")
        stage += keyword.upper() == "FROM"
        out.append(Instruction(stage, keyword.upper(), args.strip()))
        logical = ""
    return out


def final_stage() -> list[Instruction]:
    instructions = dockerfile()
    return [i for i in instructions if i.stage == instructions[-1].stage]


def one(instructions: list[Instruction], keyword: str) -> Instruction:
    found = [i for i in instructions if i.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword}, found {len(found)}"
    return found[0]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in final_stage():
        if instruction.keyword == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(instruction.args)))
    return env


def copy_sources(instruction: Instruction) -> list[str]:
    words = shlex.split(instruction.args)
    assert not any(w.startswith("--from") for w in words)
    return [w for w in words if not w.startswith("--")][:-1]


def repo_copies() -> list[Instruction]:
    return [i for i in dockerfile() if i.keyword == "COPY" and "--from=" not in i.args]


def dockerignored(path: str) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents wins."""
    ignored = False
    for raw in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        regex = re.escape(pattern.lstrip("!").strip("/"))
        regex = regex.replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        parts = path.split("/")
        if any(re.fullmatch(regex, "/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            ignored = not negate
    return ignored


def tracked(path: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", "--", path], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    return out or [path]


# -- command lines, parsed by the real CLI -------------------------------------------------
def parse_bot(argv: list[str]) -> tuple[list[str], dict]:
    """Parse ``bot ARGS`` as click would (options exist, values valid), without running it."""
    from bot.cli import cli

    assert Path(argv[0]).name == "bot", argv
    cmd, name, args, ctx, names = cli, "bot", list(argv[1:]), None, []
    while True:
        ctx = cmd.make_context(name, list(args), parent=ctx)
        if not isinstance(cmd, click.Group):
            return names, ctx.params
        _, rest, _ = cmd.make_parser(ctx).parse_args(list(args))
        assert rest, f"no command in {argv}"
        name, cmd, args = cmd.resolve_command(ctx, rest)
        names.append(name)


def unit(name: str) -> list[tuple[str, str, str]]:
    """``(section, key, value)`` in order; systemd allows a key more than once."""
    entries, section = [], ""
    for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{name}: not a key=value line: {line}"
        entries.append((section, key.strip(), value.strip()))
    return entries


def values(entries: list[tuple[str, str, str]], section: str, key: str) -> list[str]:
    return [v for s, k, v in entries if s == section and k == key]


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def seconds(text: str) -> float:
    """'2m', '2min', '90s', '1m30s' -> seconds (the forms Compose and systemd accept here)."""
    units = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
    parts = re.findall(r"(\d+)\s*(min|sec|h|m|s)", text)
    assert parts and "".join(n + u for n, u in parts) == text.replace(" ", ""), text
    return sum(int(n) * units[u] for n, u in parts)


def command_lines() -> dict[str, list[str]]:
    final = final_stage()
    entry = one(final, "ENTRYPOINT").argv()
    health = one(final, "HEALTHCHECK").args
    lines = {
        "Dockerfile CMD": entry + one(final, "CMD").argv(),
        "Dockerfile HEALTHCHECK": json.loads(health.split(" CMD ", 1)[1]),
        "compose command": entry + compose()["services"]["bot"]["command"],
    }
    for name in UNITS:
        (exec_start,) = values(unit(name), "Service", "ExecStart")
        lines[f"{name} ExecStart"] = shlex.split(exec_start)
    return lines


def sh(argv: list, **kwargs) -> subprocess.CompletedProcess:
    """Run to completion with output captured as text; the caller checks the result."""
    options = {"capture_output": True, "text": True, "timeout": 120} | kwargs
    return subprocess.run([str(a) for a in argv], check=False, **options)


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    assert found, f"{name} is not installed: it comes with the test extra (see deploy/README.md)"
    return found


# -- static checks ---------------------------------------------------------------------------
def test_dockerfile_copies_files_that_exist_and_reach_the_build_context():
    copied = [src for i in repo_copies() for src in copy_sources(i)]
    assert {"pyproject.toml", "README.md", "bot/", "collectors/", "deploy/backup.py"} <= set(copied)
    mode = sh(["git", "ls-files", "-s", "deploy/backup.py"], cwd=ROOT).stdout.split()[0]
    assert mode == "100755"  # COPY keeps the mode: ml4sci-backup runs by its shebang
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
        for path in tracked(source.rstrip("/")):
            if "__pycache__" not in path:
                assert not dockerignored(path), f"COPY {source}: .dockerignore drops {path}"


@pytest.mark.parametrize("path", [".env", "ml4sci.db", "ml4sci.db-wal", "bot.toml", ".venv/bin/python",
                                  ".git/config", ".atproto-network/pds.sqlite", "tests/test_run.py",
                                  "bot/__pycache__/cli.cpython-311.pyc"])
def test_dockerignore_keeps_secrets_state_and_tests_out_of_the_image(path):
    assert dockerignored(path)


def test_dockerfile_runs_bot_run_as_a_non_root_user_with_a_volume_and_a_real_healthcheck():
    instructions, final = dockerfile(), final_stage()
    froms = [i.args for i in instructions if i.keyword == "FROM"]
    assert froms == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE}"]
    assert one(instructions, "ARG").args == "PYTHON_IMAGE=python:3.11-slim" and instructions[0].keyword == "ARG"
    user = one(final, "USER").args
    assert user.split(":")[0] not in ("root", "0"), user
    assert one(final, "STOPSIGNAL").args == "SIGTERM"
    env = image_env()
    volume = json.loads(one(final, "VOLUME").args)
    assert volume == ["/data"] and Path(env["BOT_DB"]).parent == Path("/data")
    assert env["BOT_CONFIG"].startswith("/config/") and "/opt/venv/bin" in env["PATH"].split(":")[0]
    health = one(final, "HEALTHCHECK").args
    assert re.search(r"--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+ CMD \[", health)
    installs = [i.args for i in instructions if i.keyword == "RUN" and "pip" in i.args]
    assert installs and not any("[" in args or "-e " in args for args in installs), installs


@pytest.mark.parametrize("where", ["Dockerfile CMD", "Dockerfile HEALTHCHECK", "compose command",
                                   *(f"{u} ExecStart" for u in UNITS)])
def test_every_command_line_deploy_runs_is_a_real_bot_command(where):
    argv = command_lines()[where]
    names, params = parse_bot(argv)
    if "HEALTHCHECK" in where:
        assert names == ["status"] and params["health"] is True
    else:
        assert names == ["run"] and params["log_format"] == "json"
        assert params["once"] is ("once" in where) and params["backfill"] is False


def test_parse_bot_rejects_what_click_rejects():
    for bad in (["bot", "run", "--log-format", "xml"], ["bot", "status", "--healthy"], ["bot", "runn"]):
        with pytest.raises(click.ClickException):
            parse_bot(bad)


def test_compose_file_wires_env_file_volume_config_restart_and_logging():
    service = compose()["services"]["bot"]
    assert (DEPLOY / service["build"]["context"]).resolve() == ROOT
    assert (ROOT / service["build"]["dockerfile"]) == DEPLOY / "Dockerfile"
    assert (DEPLOY / service["env_file"]).resolve() == ROOT / ".env"
    assert (ROOT / ".env.example").is_file()  # what README tells people to copy to .env
    env = image_env()
    assert {k: service["environment"][k] for k in ("BOT_DB", "BOT_CONFIG")} == \
        {k: env[k] for k in ("BOT_DB", "BOT_CONFIG")}
    mounts = {m["target"]: m for m in service["volumes"]}
    assert mounts["/data"]["type"] == "volume" and mounts["/data"]["source"] in compose()["volumes"]
    config = mounts[env["BOT_CONFIG"]]
    assert (DEPLOY / config["source"]).resolve() == ROOT / "bot.toml" and config["read_only"]
    assert config["bind"]["create_host_path"] is False and (ROOT / "bot.toml.example").is_file()
    assert service["restart"] in ("unless-stopped", "always", "on-failure")
    assert service["stop_signal"] == one(final_stage(), "STOPSIGNAL").args
    (timeout,) = values(unit("ml4sci-bot.service"), "Service", "TimeoutStopSec")
    assert seconds(service["stop_grace_period"]) == seconds(timeout) >= 60
    assert service["logging"]["driver"] == "json-file" and service["logging"]["options"]["max-size"]


def test_docker_compose_config_resolves_the_file(tmp_path):
    """The real Compose (no engine needed for ``config``), on a copy with its own .env."""
    (tmp_path / "deploy").mkdir()
    shutil.copy(DEPLOY / "docker-compose.yml", tmp_path / "deploy")
    shutil.copy(ROOT / "bot.toml.example", tmp_path / "bot.toml")
    (tmp_path / ".env").write_text("X_BEARER_TOKEN=token-from-env-file\nBOT_DB=local.db\n")
    compose_cli = [tool("docker-compose"), "-f", "deploy/docker-compose.yml", "config"]
    result = sh([*compose_cli, "--format", "json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    service = json.loads(result.stdout)["services"]["bot"]
    assert service["environment"]["X_BEARER_TOKEN"] == "token-from-env-file"
    assert service["environment"]["BOT_DB"] == "/data/ml4sci.db"  # pinned, not .env's
    assert service["build"]["context"] == str(tmp_path)
    assert {v["source"] for v in service["volumes"] if v["type"] == "bind"} == {str(tmp_path / "bot.toml")}
    (tmp_path / ".env").unlink()
    missing = sh(compose_cli, cwd=tmp_path)
    assert missing.returncode != 0 and ".env not found" in missing.stderr


def test_dockerfile_passes_hadolint():
    result = sh([tool("hadolint"), "--no-color", str(DEPLOY / "Dockerfile")])
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


HARDENING = {
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
    "DynamicUser": "yes", "StateDirectory": "ml4sci-bot", "CapabilityBoundingSet": "",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "MemoryDenyWriteExecute": "yes",
    "ReadWritePaths": "%S/ml4sci-bot", "EnvironmentFile": "/etc/ml4sci-bot/bot.env",
}


@pytest.mark.parametrize("name", UNITS)
def test_units_are_hardened_and_keep_state_in_the_state_directory(name):
    entries = unit(name)
    for key, value in HARDENING.items():
        assert values(entries, "Service", key) == [value], key
    assert "@system-service" in values(entries, "Service", "SystemCallFilter")
    env = dict(pair.split("=", 1) for line in values(entries, "Service", "Environment")
               for pair in shlex.split(line))
    assert env["BOT_DB"] == "%S/ml4sci-bot/ml4sci.db" and env["BOT_CONFIG"].startswith("%E/ml4sci-bot/")
    sandbox = {(k, v) for s, k, v in entries if s == "Service" and k not in
               ("Type", "ExecStart", "TimeoutStartSec", "Restart", "RestartSec", "KillMode")}
    other = unit(UNITS[1 - UNITS.index(name)])
    assert sandbox == {(k, v) for s, k, v in other if s == "Service" and k not in
                       ("Type", "ExecStart", "TimeoutStartSec", "Restart", "RestartSec", "KillMode")}


def test_long_running_unit_restarts_on_failure_and_the_timer_starts_the_once_unit():
    service = unit("ml4sci-bot.service")
    assert values(service, "Service", "Restart") == ["on-failure"]
    assert values(service, "Service", "KillSignal") == ["SIGTERM"]
    once = unit("ml4sci-bot-once.service")
    assert values(once, "Service", "Type") == ["oneshot"]
    timer = unit("ml4sci-bot-once.timer")
    assert values(timer, "Timer", "Unit") == ["ml4sci-bot-once.service"]
    assert values(timer, "Timer", "OnCalendar") and values(timer, "Timer", "Persistent") == ["true"]
    assert values(timer, "Install", "WantedBy") == ["timers.target"]


# -- IMAGE EQUIVALENT: the builder stage replayed without Docker --------------------------------
@dataclass(frozen=True)
class Image:
    venv: Path
    fs: Path  # stands in for the container's filesystem: /data is fs/data

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def host(self, container_path: str) -> Path:
        """A container path (/data/...) inside this test's stand-in filesystem."""
        return self.fs / container_path.lstrip("/")

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: str(self.host(v)) for k, v in image_env().items() if k.startswith("BOT_")}
        return {"PATH": f"{self.bin}:/usr/bin:/bin", "HOME": str(self.host("/data")),
                "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1", **env, **extra}

    def argv(self, argv: list[str]) -> list[str]:
        return [str(self.bin / argv[0]), *argv[1:]]

    def run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        return sh(self.argv(argv), cwd=self.host("/data"), env=self.env(), **kwargs)


def runtime_closure(requires: list[str]) -> list[md.Distribution]:
    """The distributions ``pip install`` would bring for these requirements (no extras)."""
    found: dict[str, md.Distribution] = {}
    done: set[tuple[str, str]] = set()
    todo = [(Requirement(r), "") for r in requires]
    while todo:
        req, extra = todo.pop()
        if req.marker and not req.marker.evaluate({"extra": extra}):
            continue
        dist = md.distribution(req.name)
        assert req.specifier.contains(dist.version, prereleases=True), f"{req} but {dist.version}"
        key = canonicalize_name(req.name)
        found[key] = dist
        for wanted in {""} | req.extras:
            if (key, wanted) not in done:
                done.add((key, wanted))
                todo += [(Requirement(r), wanted) for r in dist.requires or []]
    return list(found.values())


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Image:
    import importlib.util

    assert importlib.util.find_spec("setuptools"), \
        "building the wheel offline needs setuptools>=77 in the test environment (the test extra)"
    root = tmp_path_factory.mktemp("image")
    context = root / "context"
    for instruction in (i for i in repo_copies() if i.stage == 0):  # the builder stage's
        for source in copy_sources(instruction):
            for path in (p for p in tracked(source.rstrip("/")) if not dockerignored(p)):
                (context / path).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / path, context / path)
    pip_env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    pip_env |= {"PIP_CONFIG_FILE": os.devnull, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", root / "dist",
                    context], env=pip_env, check=True, capture_output=True, timeout=120)
    (wheel,) = (root / "dist").glob("ml4sci_bot-*.whl")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True, timeout=60)
    subprocess.run([*pip, "--python", venv / "bin" / "python", "install", "--no-deps", wheel],
                   env=pip_env, check=True, capture_output=True, timeout=120)
    site = Path(subprocess.run([venv / "bin" / "python", "-c", ("import sysconfig;"
                                "print(sysconfig.get_paths()['purelib'])")], capture_output=True,
                               text=True, check=True).stdout.strip())
    from zipfile import ZipFile

    name, version = wheel.name.split("-")[:2]
    metadata = ZipFile(wheel).read(f"{name}-{version}.dist-info/METADATA").decode()
    requires = [line.split(":", 1)[1].strip() for line in metadata.splitlines()
                if line.startswith("Requires-Dist:")]
    for dist in runtime_closure(requires):
        for file in dist.files or []:
            if not str(file).startswith(".."):
                (site / file).parent.mkdir(parents=True, exist_ok=True)
                (site / file).symlink_to(dist.locate_file(file))
    check = sh([*pip, "--python", venv / "bin" / "python", "check"], env=pip_env)
    assert check.returncode == 0, check.stdout
    return Image(venv, root / "unused")


@pytest.fixture
def container(image, tmp_path) -> Image:
    """The image with a fresh filesystem (/data, /config) for one test."""
    fresh = replace(image, fs=tmp_path / "fs")
    for directory in ("/data", "/config"):
        fresh.host(directory).mkdir(parents=True)
    return fresh


def test_image_holds_the_wheel_and_its_runtime_dependencies_only(container):
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert container.run(["bot", "--version"]).stdout.strip() == f"bot, version {version}"
    probe = container.run(["python", "-c", PROBE])
    where, extras = probe.stdout.splitlines()
    assert where.startswith(str(container.venv)) and extras == "[]", probe.stdout + probe.stderr
    shutil.copy(ROOT / "bot.toml.example", container.host("/config/bot.toml"))
    help_run = container.run(["bot", "run", "--help"])
    assert help_run.returncode == 0 and "--log-format" in help_run.stdout
    preview = container.run(["bot", "preview", str(ROOT / "examples" / "ml4sci-33.txt")])
    assert preview.returncode == 0 and "1/" in preview.stdout, preview.stderr


def test_image_healthcheck_is_unhealthy_in_one_line_without_a_running_bot(container):
    shutil.copy(ROOT / "bot.toml.example", container.host("/config/bot.toml"))
    result = container.run(command_lines()["Dockerfile HEALTHCHECK"])
    db = container.host(image_env()["BOT_DB"])
    assert result.returncode == 1
    assert result.stderr == f"Error: unhealthy: no bot run holds {db}\n" and result.stdout == ""


def test_image_lifecycle_run_healthy_backup_sigterm(container, http_server, tmp_path):
    """CMD starts, polls the feed, HEALTHCHECK says healthy, a backup is taken while it runs,
    STOPSIGNAL stops it cleanly within the grace period, and it is unhealthy again after."""
    feed = FeedServer(http_server)
    feed.publish(1, dt.datetime.now(dt.UTC) - dt.timedelta(days=7))
    container.host("/config/bot.toml").write_text(
        f'[newsletter]\nfeed_url = "{feed.url}"\n[post]\nplatforms = ["bluesky"]\n')
    db = container.host(image_env()["BOT_DB"])
    process = subprocess.Popen(container.argv(command_lines()["Dockerfile CMD"]), cwd=container.host("/data"),
                               env=container.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not _polled(db) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)  # waiting for the child process, not simulating time
        health = container.run(command_lines()["Dockerfile HEALTHCHECK"])
        assert (health.returncode, health.stdout) == (0, "healthy\n"), health.stderr
        backup = sh([container.bin / "python", BACKUP, db, tmp_path])
        assert backup.returncode == 0, backup.stderr
    finally:
        process.send_signal(getattr(signal, one(final_stage(), "STOPSIGNAL").args))
        _, err = process.communicate(timeout=seconds(compose()["services"]["bot"]["stop_grace_period"]))
    assert process.returncode == 0, err
    logs = [json.loads(line) for line in err.splitlines()]  # every line is JSON
    assert any(line["message"].startswith("bot run started") for line in logs)
    assert logs[-1]["message"] == "bot run stopped"
    assert any(line.get("job") == "feed-poll" and line["status"] == "ok" for line in logs)
    (copy,) = tmp_path.glob("ml4sci-*.db")
    with sqlite3.connect(copy) as conn:
        assert conn.execute("select count(*) from issues").fetchone() == (1,)
    after = container.run(command_lines()["Dockerfile HEALTHCHECK"])
    assert after.returncode == 1 and "unhealthy: no bot run holds" in after.stderr


# Test-only packages the image must not hold (PyYAML is not one any more: apprise needs it).
PROBE = """
import bot, collectors, importlib.util
print(bot.__file__)
print([m for m in ("pytest", "datasette", "setuptools", "playwright", "aiosmtpd")
       if importlib.util.find_spec(m)])
"""
CRYPTO = """
import atproto, pydantic_core, libipld, tweepy, praw
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
key = ec.generate_private_key(ec.SECP256K1())
print(len(key.sign(b"x", ec.ECDSA(hashes.SHA256()))) > 60)
"""
MDWE = """
import ctypes, mmap, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0):  # PR_SET_MDWE, REFUSE_EXEC_GAIN
    sys.exit("PR_SET_MDWE failed: " + os.strerror(ctypes.get_errno()))
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    sys.exit("a writable and executable mapping was allowed")
except PermissionError:
    os.execv(sys.argv[1], sys.argv[1:])
"""


def test_image_runs_under_memory_deny_write_execute(container, http_server):
    """The units set MemoryDenyWriteExecute=yes: the kernel's own switch for it (inherited
    across exec) must not break the feed poll, SQLite, composing, or the crypto and pydantic
    extensions the Bluesky client loads."""
    feed = FeedServer(http_server)
    feed.publish(1, dt.datetime.now(dt.UTC))
    container.host("/config/bot.toml").write_text(f'[newsletter]\nfeed_url = "{feed.url}"\n')
    wrap = [str(container.bin / "python"), "-c", MDWE]
    once = sh([*wrap, *container.argv(["bot", "run", "--once"])], cwd=container.host("/data"), env=container.env())
    assert once.returncode == 0, once.stderr
    assert re.search(r"feed-poll +ok .* entries=1 new=0 backlog=1", once.stdout), once.stdout
    preview = sh([*wrap, *container.argv(["bot", "preview", ROOT / "examples" / "ml4sci-33.txt"])],
                 env=container.env())
    assert preview.returncode == 0 and "ML4Sci #33" in preview.stdout, preview.stderr
    crypto = sh([*wrap, container.bin / "python", "-c", CRYPTO], env=container.env())
    assert crypto.stdout == "True\n", crypto.stderr


def _polled(db: Path) -> bool:
    if not db.exists():
        return False
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return bool(conn.execute("select 1 from job_runs where job = 'feed-poll'").fetchone())
    except sqlite3.OperationalError:  # not migrated yet
        return False


def test_image_units_pass_systemd_analyze_with_the_installed_bot(image, tmp_path):
    """verify: every key known, ExecStart executable; security: exposure at most 2.0 (OK)."""
    for name in (*UNITS, "ml4sci-bot-once.timer"):
        text = (DEPLOY / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("/opt/ml4sci-bot/bin/bot", str(image.bin / "bot")))
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing (Debian's systemd package)"
    verify = sh([analyze, "verify", *(f"./{n}" for n in (*UNITS, "ml4sci-bot-once.timer"))], cwd=tmp_path)
    assert verify.returncode == 0 and verify.stderr == "" and verify.stdout == "", verify.stderr
    broken = (tmp_path / UNITS[0]).read_text().replace(str(image.bin / "bot"), "/nonexistent/bot")
    (tmp_path / "broken.service").write_text(broken)
    refused = sh([analyze, "verify", "./broken.service"], cwd=tmp_path)
    assert refused.returncode != 0 and "/nonexistent/bot" in refused.stderr
    for name in UNITS:
        security = sh([analyze, "security", "--offline=yes", "--threshold=20", f"./{name}"], cwd=tmp_path)
        assert security.returncode == 0, security.stdout[-300:]
        assert re.search(r"Overall exposure level for .*: [01]\.\d OK", security.stdout)


# -- the backup script -------------------------------------------------------------------------
def _backup(*args: object, **kwargs) -> subprocess.CompletedProcess:
    return sh([sys.executable, BACKUP, *args], **kwargs)


def _job_run(conn: sqlite3.Connection, job: str) -> None:
    conn.execute("INSERT INTO job_runs (job, started_at, status) VALUES (?, ?, 'ok')",
                 [job, "2025-01-01T00:00:00Z"])


def test_backup_copies_what_is_committed_while_a_writer_holds_a_transaction(tmp_path):
    from bot.db import apply_migrations, open_db

    source = tmp_path / "ml4sci.db"
    open_db(source).close()
    with sqlite3.connect(source) as conn:
        _job_run(conn, "committed")
    writer = sqlite3.connect(source, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # bot run in the middle of a write
    _job_run(writer, "in flight")
    (tmp_path / "backups").mkdir()
    result = _backup(source, tmp_path / "backups", text=True)
    writer.execute("COMMIT")
    assert result.returncode == 0, result.stderr
    (copy,) = (tmp_path / "backups").iterdir()
    assert re.fullmatch(r"ml4sci-\d{8}T\d{6}Z\.db", copy.name)
    assert f"backed up {source} to {copy}" in result.stdout and "integrity ok" in result.stdout
    assert not list((tmp_path / "backups").glob("*-wal"))  # one self-contained file
    restored = open_db(copy)  # what a restore does: the bot opens it as its database
    assert [r["job"] for r in restored.query("select job from job_runs")] == ["committed"]
    assert apply_migrations(restored) == []
    assert list(restored.query("pragma integrity_check")) == [{"integrity_check": "ok"}]


def test_backup_to_stdout_a_new_file_and_pruning(tmp_path):
    from bot.db import open_db

    source = tmp_path / "ml4sci.db"
    open_db(source).close()
    streamed = _backup(source, "-", text=False)
    assert streamed.returncode == 0 and streamed.stdout.startswith(b"SQLite format 3\x00")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".backup-")]  # scratch removed
    assert _backup(source, tmp_path / "copy.db").returncode == 0
    with sqlite3.connect(tmp_path / "copy.db") as conn:
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
    backups = tmp_path / "backups"
    backups.mkdir()
    for stamp in ("20240101T000000Z", "20240201T000000Z", "20240301T000000Z"):
        (backups / f"ml4sci-{stamp}.db").write_bytes(b"old")
    (backups / "notes.txt").write_text("not a backup")
    kept = _backup(source, backups, "--keep", "2", text=True)
    assert kept.returncode == 0, kept.stderr
    names = sorted(p.name for p in backups.iterdir())
    assert names[0] == "ml4sci-20240301T000000Z.db" and names[2] == "notes.txt" and len(names) == 3


@pytest.mark.parametrize("args,message", [
    (["missing.db", "out.db"], "error: no database at missing.db"),
    (["ml4sci.db", "ml4sci.db"], "error: ml4sci.db already exists; backups never overwrite"),
    (["ml4sci.db", "nowhere/"], "error: no directory nowhere/"),
    (["ml4sci.db", "out.db", "--keep", "3"], "error: --keep needs a number >= 1 and a directory target"),
    (["notes.txt", "out.db"], "error: cannot back up notes.txt: file is not a database"),
])
def test_backup_refuses_in_one_line(tmp_path, args, message):
    from bot.db import open_db

    open_db(tmp_path / "ml4sci.db").close()
    (tmp_path / "notes.txt").write_text("not a database, " * 100)
    result = _backup(*args, cwd=tmp_path, text=True)
    assert (result.returncode, result.stderr, result.stdout) == (1, message + "\n", "")
    assert not (tmp_path / "out.db").exists()
