"""Posting to Bluesky against the real local network: one applyWrites, exactly once.

The thread is read back through the AppView's getPostThread and compared with what
``bot preview --format json`` showed: order, text, facets byte for byte, root and parent
references, and the link card with its uploaded thumbnail.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT
from tests.support.proxy import HoldingProxy

pytestmark = pytest.mark.network

PNG = (FIXTURES / "binary" / "pixel.png").read_bytes()


@pytest.fixture
def feed_file(tmp_path: Path, http_server) -> Path:
    """The synthetic Substack feed's #99 issue, its cover image served on loopback."""
    http_server.route("/cover.png", body=PNG, headers={"Content-Type": "image/png"})
    xml = (FIXTURES / "newsletters" / "substack-feed-synthetic.xml").read_text(encoding="utf-8")
    xml = re.sub(r"<item><title><!\[CDATA\[A newer-style.*?</item>", "", xml, flags=re.S)
    xml = re.sub(r'<enclosure url="[^"]+"', f'<enclosure url="{http_server.url("/cover.png")}"', xml)
    path = tmp_path / "feed.xml"
    path.write_text(xml, encoding="utf-8")
    return path


def env_for(account, pds_url: str) -> dict[str, str]:
    return {"BLUESKY_HANDLE": account.handle, "BLUESKY_APP_PASSWORD": account.password,
            "BLUESKY_PDS_URL": pds_url}


def preview_json(cli_run, source: Path) -> dict:
    result = cli_run("preview", str(source), "--platform", "bluesky", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def own_posts(bsky_network, account) -> list[dict]:
    client = bsky_network.login(account)
    records = client.com.atproto.repo.list_records(
        {"repo": account.did, "collection": "app.bsky.feed.post", "limit": 100})
    return [r.model_dump(by_alias=True) for r in records.records]


def read_thread(bsky_network, account, root_uri: str) -> list:
    """The thread through the AppView, root first, following each post's own reply."""
    bsky_network.barrier()
    client = bsky_network.login(account)
    node = client.get_post_thread(root_uri, depth=20).thread
    chain = [node]
    while node.replies:
        (node,) = node.replies
        chain.append(node)
    return chain


def test_post_thread_reads_back_exactly_as_previewed(cli_run, bsky_network, bsky_account, feed_file, db_path):
    shown = preview_json(cli_run, feed_file)["threads"]["bluesky"]
    result = cli_run("post", str(feed_file), "--platform", "bluesky", "--yes",
                     env=env_for(bsky_account, bsky_network.pds_url))
    assert result.exit_code == 0, result.output
    # createSession, uploadBlob (the card's cover image), applyWrites: the whole thread at once
    assert re.search(rf"bluesky: posted {len(shown)}/{len(shown)} \({len(shown)} new, 3 requests\) "
                     rf"https://bsky.app/profile/{re.escape(bsky_account.handle)}/post/\w+", result.stdout)

    from bot.db import open_db

    rows = list(open_db(db_path).query("select * from outbox order by position"))
    chain = read_thread(bsky_network, bsky_account, rows[0]["remote_uri"])
    assert len(chain) == len(shown) >= 4
    root = chain[0].post
    for node, post, row in zip(chain, shown, rows):
        record = node.post.record
        assert node.post.uri == row["remote_uri"] and node.post.cid == row["remote_cid"]
        assert record.text == post["text"]
        facets = [f.model_dump(by_alias=True, exclude_none=True) for f in (record.facets or [])]
        assert facets == post["facets"]
        data = record.text.encode("utf-8")
        for facet in facets:  # each facet slices exactly a link's shown text out of the bytes
            shown_text = data[facet["index"]["byteStart"]:facet["index"]["byteEnd"]].decode("utf-8")
            assert shown_text.rstrip(".") in facet["features"][0]["uri"]
        assert record.langs == ["en"]
        if node is not chain[0]:
            assert record.reply.root.uri == root.uri and record.reply.root.cid == root.cid
            parent = chain[chain.index(node) - 1].post
            assert record.reply.parent.uri == parent.uri and record.reply.parent.cid == parent.cid
    card = root.embed.external
    assert card.uri == shown[0]["card"]["uri"] == "https://ml4sci.substack.com/p/ml4sci-99-example-headline-one"
    assert card.title == shown[0]["card"]["title"]
    assert card.description == shown[0]["card"]["description"]
    thumb = json.loads(rows[0]["record"])["embed"]["external"]["thumb"]
    assert (thumb["mimeType"], thumb["size"]) == ("image/png", len(PNG))
    assert thumb["ref"]["$link"] in card.thumb  # the AppView serves the uploaded blob

    again = cli_run("post", str(feed_file), "--platform", "bluesky", "--yes",
                    env=env_for(bsky_account, bsky_network.pds_url))
    assert again.exit_code == 0, again.output
    assert f"bluesky: posted {len(shown)}/{len(shown)} (0 new, 0 requests)" in again.stdout
    assert len(own_posts(bsky_network, bsky_account)) == len(shown)


def test_the_session_is_stored_and_reused(cli_run, bsky_network, bsky_account, feed_file, db_path):
    env = env_for(bsky_account, bsky_network.pds_url)
    assert cli_run("post", str(feed_file), "--platform", "bluesky", "--yes", env=env).exit_code == 0
    from bot.db import open_db

    db = open_db(db_path)
    (row,) = db.query("select * from sessions")
    assert (row["platform"], row["account"]) == ("bluesky", bsky_account.handle)
    assert bsky_account.password not in row["session"]
    # A wrong password now would fail a login: posting another issue still works on the session.
    other = feed_file.with_name("other.txt")
    other.write_text("ML4Sci #100: One; Two\nSubtitle\nSection\n🧪 An item that is new, with enough words to be a story.\n", encoding="utf-8")
    env["BLUESKY_APP_PASSWORD"] = "wrong-password"
    result = cli_run("post", str(other), "--platform", "bluesky", "--yes", "--url",
                     "https://ml4sci.substack.com/p/ml4sci-100", env=env)
    assert result.exit_code == 0, result.output
    # getSession (the stored session is checked, no createSession) and applyWrites
    assert "posted 3/3 (3 new, 2 requests)" in result.stdout


def _post_process(feed_file: Path, db_path: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(db_path), "post", str(feed_file), "--platform",
         "bluesky", "--yes"],
        cwd=feed_file.parent, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.parametrize("when", ["before", "after"])
def test_killed_mid_write_then_rerun_posts_exactly_one_thread(
    cli_run, bsky_network, bsky_account, feed_file, db_path, when
):
    """SIGKILL while applyWrites is in flight: before it reached the PDS, or after it was
    written but before the answer came back. The rerun ends with exactly one thread."""
    shown = preview_json(cli_run, feed_file)["threads"]["bluesky"]
    proxy = HoldingProxy(bsky_network.pds_url).start()
    try:
        proxy.hold("/xrpc/com.atproto.repo.applyWrites", when=when)
        process = _post_process(feed_file, db_path, env_for(bsky_account, proxy.url))
        assert proxy.held.wait(60), process.communicate(timeout=5)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        proxy.stop()
    from bot.db import open_db

    states = [r["state"] for r in open_db(db_path).query("select state from outbox order by position")]
    assert states == ["sending"] * len(shown)
    assert len(own_posts(bsky_network, bsky_account)) == (len(shown) if when == "after" else 0)

    rerun = _post_process(feed_file, db_path, env_for(bsky_account, bsky_network.pds_url))
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"bluesky: posted {len(shown)}/{len(shown)}" in out
    posts = own_posts(bsky_network, bsky_account)
    assert len(posts) == len(shown)
    assert sorted(p["value"]["text"] for p in posts) == sorted(p["text"] for p in shown)


def test_two_processes_at_once_post_one_thread(cli_run, bsky_network, bsky_account, feed_file, db_path):
    shown = preview_json(cli_run, feed_file)["threads"]["bluesky"]
    env = env_for(bsky_account, bsky_network.pds_url)
    processes = [_post_process(feed_file, db_path, env) for _ in range(2)]
    outcomes = [p.communicate(timeout=120) + (p.returncode,) for p in processes]
    assert any(code == 0 for _, _, code in outcomes), outcomes
    for out, err, code in outcomes:
        assert code == 0 or "is posting issue" in err, (out, err)
    assert len(own_posts(bsky_network, bsky_account)) == len(shown)
