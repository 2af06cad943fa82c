"""Provide the ``bsky_network`` fixture: the real local Bluesky network, found or started.

The network (PLC + PDS + AppView from ``@atproto/dev-env``, all on 127.0.0.1) is run by
``tests/atproto_network/start.sh``. The session-scoped :func:`bsky_network` fixture finds it:

1. ``PDS_URL``, ``APPVIEW_URL`` and ``PDS_CONTROL_URL`` in the environment (``tests/run.sh``
   sources the network's ``env.sh``), else
2. ``$PDS_HOME/env.sh`` (default ``<repo>/.atproto-network/env.sh``),

and checks it is healthy; when none is, it runs ``start.sh`` (a first run installs Node 22 and
the dependencies, ~2-3 min) and stops what it started at the end of the session. A network
that cannot be found or started fails the test with the reason: never a skip.

Use it from tests marked ``@pytest.mark.network``::

    def test_thread(bsky_network):
        alice = bsky_network.create_account("alice")
        client = bsky_network.login(alice)          # atproto.Client on the PDS
        client.send_post("hello", profile_identify=alice.did)
        bsky_network.barrier()                      # the AppView has indexed it
        client.get_author_feed(alice.did)
"""

from __future__ import annotations

import dataclasses
import os
import shlex
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
NETWORK_DIR = REPO / "tests" / "atproto_network"
START_TIMEOUT = 900  # seconds: a cold install compiles better-sqlite3
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}
_ENV_KEYS = {
    "PDS_URL", "PLC_URL", "APPVIEW_URL", "PDS_CONTROL_URL", "PDS_HOME",
    "ATPROTO_HANDLE", "ATPROTO_PASSWORD", "ATPROTO_DID",
}


@dataclass(frozen=True)
class Account:
    """A PDS account created for one test."""

    handle: str
    password: str = field(repr=False)
    did: str = ""
    email: str = ""


@dataclass(frozen=True)
class BskyNetwork:
    """Where the local network answers, and helpers every Bluesky test needs."""

    pds_url: str
    appview_url: str
    control_url: str
    env: Mapping[str, str]  # env.sh's other values: PLC_URL, ATPROTO_HANDLE/PASSWORD/DID, ...
    started_here: bool = False

    def barrier(self, timeout: float = 60.0) -> None:
        """Wait until the AppView has indexed every write so far (``GET /process-all``).

        AppView indexing is asynchronous: call this between writing posts and reading
        ``app.bsky.*`` views, instead of polling or sleeping.
        """
        body = _get(self.control_url + "/process-all", timeout=timeout)
        if body != b"ok":
            raise AssertionError(f"{self.control_url}/process-all answered {body[:200]!r}")

    def create_account(self, prefix: str = "t", *, password: str | None = None) -> Account:
        """A fresh account with a unique ``<prefix><10 hex>.test`` handle, via ``createAccount``."""
        from atproto import Client, models

        if not (prefix.isalnum() and prefix[:1].isalpha() and len(prefix) <= 8):
            raise ValueError("prefix must be 1-8 letters/digits starting with a letter (PDS handle limit)")
        handle = f"{prefix.lower()}{uuid.uuid4().hex[:10]}.test"
        password = password or f"pw-{uuid.uuid4().hex}"
        email = f"{handle.split('.')[0]}@example.test"
        anonymous = Client(base_url=self.pds_url)
        created = anonymous.com.atproto.server.create_account(
            models.ComAtprotoServerCreateAccount.Data(handle=handle, password=password, email=email)
        )
        return Account(handle=created.handle, password=password, did=created.did, email=email)

    def login(self, account: Account) -> Any:
        """An ``atproto.Client`` logged in to the PDS as ``account``.

        ``fetch_bsky_profile=False`` keeps login independent of the AppView; pass
        ``profile_identify=account.did`` to ``send_post`` since ``client.me`` stays None.
        """
        from atproto import Client

        client = Client(base_url=self.pds_url)
        client.login(account.handle, account.password, fetch_bsky_profile=False)
        return client

    def healthy(self) -> str | None:
        """None when PDS, control endpoint and AppView (with its database) all answer, else why not."""
        return _health_problem(self.pds_url, self.appview_url, self.control_url)


@pytest.fixture(scope="session")
def bsky_network() -> Iterator[BskyNetwork]:
    """The running local Bluesky network (started, and stopped afterwards, if none ran)."""
    network = find_network()
    if network is None:
        network = _start()
    yield network
    if network.started_here:
        _stop()


@pytest.fixture
def bsky_account(bsky_network: BskyNetwork) -> Account:
    """A fresh account on the local network, for one test."""
    return bsky_network.create_account("acct")


# -- finding, starting, stopping ------------------------------------------------------------
def pds_home() -> Path:
    return Path(os.environ.get("PDS_HOME") or REPO / ".atproto-network")


def read_env_file(path: Path) -> dict[str, str]:
    """The variables an ``env.sh`` exports (``export A='x' B='y'`` lines)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["export"]:
            for word in words[1:]:
                name, _, value = word.partition("=")
                values[name] = value
    return values


def find_network() -> BskyNetwork | None:
    """The healthy network the environment or ``$PDS_HOME/env.sh`` names, else None."""
    if os.environ.get("PDS_URL"):
        found = _network(os.environ)
        problem = found if isinstance(found, str) else found.healthy()
        if problem:
            pytest.fail(f"the Bluesky network named by PDS_URL={os.environ['PDS_URL']} is not usable: {problem}")
        return found  # type: ignore[return-value]
    env_file = pds_home() / "env.sh"
    if not env_file.exists():
        return None
    found = _network(read_env_file(env_file))
    # Stale, dead or PDS-only: start.sh replaces it with a healthy AppView network.
    return None if isinstance(found, str) or found.healthy() else found


def _network(env: Mapping[str, str]) -> BskyNetwork | str:
    """The network ``env`` describes, or why it does not describe one the tests can use."""
    urls = {name: env.get(name, "") for name in ("PDS_URL", "APPVIEW_URL", "PDS_CONTROL_URL")}
    missing = [name for name, url in urls.items() if not url]
    if missing:
        return (
            f"{', '.join(missing)} not set: the tests need the AppView network "
            "(tests/atproto_network/start.sh without WITH_APPVIEW=0)"
        )
    for name, url in urls.items():
        if urlsplit(url).hostname not in _LOOPBACK:
            return f"{name}={url} is not on 127.0.0.1: tests only talk to the local network"
    return BskyNetwork(
        pds_url=urls["PDS_URL"].rstrip("/"),
        appview_url=urls["APPVIEW_URL"].rstrip("/"),
        control_url=urls["PDS_CONTROL_URL"].rstrip("/"),
        env={name: value for name, value in env.items() if name in _ENV_KEYS},
    )


def _start() -> BskyNetwork:
    env = {**os.environ, "PDS_HOME": str(pds_home()), "WITH_APPVIEW": "1"}
    try:
        result = subprocess.run(
            [str(NETWORK_DIR / "start.sh")],
            env=env, capture_output=True, text=True, timeout=START_TIMEOUT, check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"tests/atproto_network/start.sh did not finish within {START_TIMEOUT}s")
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-25:])
        pytest.fail(f"could not start the local Bluesky network (start.sh exit {result.returncode}):\n{tail}")
    found = _network(read_env_file(pds_home() / "env.sh"))
    problem = found if isinstance(found, str) else found.healthy()
    if problem:
        _stop()
        pytest.fail(f"start.sh reported success but the network is not usable: {problem}")
    return dataclasses.replace(found, started_here=True)  # type: ignore[arg-type]


def _stop() -> None:
    subprocess.run(
        [str(NETWORK_DIR / "stop.sh")],
        env={**os.environ, "PDS_HOME": str(pds_home())}, capture_output=True, timeout=60, check=False,
    )


def _health_problem(pds_url: str, appview_url: str, control_url: str) -> str | None:
    checks = (
        (pds_url + "/xrpc/_health", "the PDS"),
        (control_url + "/health", "the control endpoint"),
        # a real query: proves the AppView and its PostgreSQL both work
        (appview_url + "/xrpc/app.bsky.feed.searchPosts?q=healthcheck&limit=1", "the AppView"),
    )
    for url, what in checks:
        try:
            _get(url, timeout=10)
        except (urllib.error.URLError, OSError) as exc:
            return f"{what} at {url} does not answer ({exc})"
    return None


def _get(url: str, *, timeout: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


# -- writing posts ---------------------------------------------------------------------------
def write_post(
    client: Any,
    author: Account,
    text: Any,
    *,
    reply_to: tuple[Any, Any] | None = None,
    embed: Any = None,
    created_at: str | None = None,
    langs: tuple[str, ...] = ("en",),
) -> Any:
    """Create one ``app.bsky.feed.post`` record and return its strong ref (``.uri``, ``.cid``).

    ``text`` is a string or an ``atproto.client_utils.TextBuilder`` (whose facets carry UTF-8
    byte offsets); ``reply_to`` is ``(root_ref, parent_ref)``; ``created_at`` fixes the
    record's ``createdAt`` so tests can expect exact times (default: now).
    """
    from atproto import models

    if hasattr(text, "build_text"):
        body, facets = text.build_text(), text.build_facets() or None
    else:
        body, facets = text, None
    record = models.AppBskyFeedPost.Record(
        text=body,
        facets=facets,
        reply=models.AppBskyFeedPost.ReplyRef(root=reply_to[0], parent=reply_to[1]) if reply_to else None,
        embed=embed,
        langs=list(langs),
        created_at=created_at or client.get_current_time_iso(),
    )
    return models.create_strong_ref(client.app.bsky.feed.post.create(author.did, record))


def like(client: Any, author: Account, ref: Any) -> Any:
    """``author`` likes the post ``ref`` (a strong ref); returns the like's strong ref."""
    from atproto import models

    record = models.AppBskyFeedLike.Record(subject=ref, created_at=client.get_current_time_iso())
    return models.create_strong_ref(client.app.bsky.feed.like.create(author.did, record))


def repost(client: Any, author: Account, ref: Any) -> Any:
    """``author`` reposts the post ``ref``; returns the repost's strong ref."""
    from atproto import models

    record = models.AppBskyFeedRepost.Record(subject=ref, created_at=client.get_current_time_iso())
    return models.create_strong_ref(client.app.bsky.feed.repost.create(author.did, record))
