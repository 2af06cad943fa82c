"""Property-based fuzzing of every ``bot harvest --load`` transform (issue 10).

Real X, Bluesky and Reddit bodies (tests/fixtures) with values swapped for any JSON value or
dropped, and arbitrary JSON, go through ``bot.harvest.load_file`` (what ``--load`` runs) under
every ``--platform``: only a :class:`BotError` may escape, and whatever was saved has the row
shapes (counts are integers or NULL, text is text), so ``bot digest`` and ``bot search`` can
read it. The profile (``HYPOTHESIS_PROFILE``) sets the number of examples.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.errors import BotError
from bot.harvest import load_file
from bot.settings import load
from tests.conftest import FIXTURES
from tests.fakes.reddit_server import recorded_json
from tests.support.fuzz import JSON_VALUE, dumps, mutated_json

BODIES = {
    "x": ["recorded/x_v2_examples/search_tweets_query.json", "recorded/x_v2_examples/timeline_tweets.json",
          "recorded/x_v2_examples/tweet_resp.json", "digest/x_search.json"],
    "bluesky": ["bluesky/searchPosts.json", "bluesky/getPostThread.json", "digest/bluesky_search.json",
                "digest/bluesky_thread.json"],
    "reddit": ["digest/reddit_new.json", "digest/reddit_comments.json"],
}
REAL = {platform: [json.loads((FIXTURES / name).read_text(encoding="utf-8")) for name in names]
        for platform, names in BODIES.items()}
# praw's own recordings (tests/fixtures/recorded/praw): a Listing and a submission with comments
REAL["reddit"] += [recorded_json("TestSubredditListings.test_new.json", "/r/askreddit/new"),
                   recorded_json("TestSubmission.test_comments.json", "/comments/2gmzqe/")]
PLATFORMS = sorted(BODIES)
SETTINGS = load(None, environ={}, dotenv=None)
COUNTS = ("like_count", "repost_count", "reply_count", "quote_count")


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    from bot.db import open_db

    db = open_db(tmp_path_factory.mktemp("fuzz-load") / "fuzz.db")
    yield db
    db.close()


def load_as(db, platform: str, body=None, *, text: str | None = None) -> None:
    """The property: only a BotError escapes, and the rows saved have their shapes."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "body.json"
        path.write_text(dumps(body) if text is None else text, encoding="utf-8", errors="surrogatepass")
        try:
            load_file(SETTINGS, db, platform=platform, path=path)
        except BotError as exc:
            assert str(exc).strip(), exc
    bad = list(db.query(
        "SELECT id FROM posts WHERE typeof(text) != 'text' OR typeof(id) != 'text' OR "
        + " OR ".join(f"typeof({c}) NOT IN ('integer', 'null')" for c in COUNTS)
    ))
    assert not bad, bad
    assert not list(db.query(
        "SELECT id FROM authors WHERE typeof(followers_count) NOT IN ('integer', 'null')"))


def _mutated(platform: str):
    return st.sampled_from(REAL[platform]).flatmap(mutated_json)


@given(body=_mutated("x"), as_platform=st.sampled_from(PLATFORMS))
@example(body={"data": [{"id": "1", "text": "t", "public_metrics": {"like_count": "lots"}}]}, as_platform="x")
@example(body={"data": [{"id": "1", "text": "t", "public_metrics": "many"}]}, as_platform="x")
@example(body=REAL["bluesky"][0], as_platform="x")
def test_mutated_x_bodies(database, body, as_platform):
    load_as(database, as_platform, body)


@given(body=_mutated("bluesky"), as_platform=st.sampled_from(PLATFORMS))
@example(body=REAL["x"][0], as_platform="bluesky")
def test_mutated_bluesky_bodies(database, body, as_platform):
    load_as(database, as_platform, body)


@given(body=_mutated("reddit"), as_platform=st.sampled_from(PLATFORMS))
def test_mutated_reddit_bodies(database, body, as_platform):
    load_as(database, as_platform, body)


@given(body=JSON_VALUE, as_platform=st.sampled_from(PLATFORMS))
def test_any_json_body(database, body, as_platform):
    load_as(database, as_platform, body)


@given(text=st.text(max_size=300), as_platform=st.sampled_from(PLATFORMS))
@example(text="[" * 100_000 + "]" * 100_000, as_platform="x")
@example(text='{"a": ' * 5000 + "1" + "}" * 5000, as_platform="bluesky")
def test_any_file(database, text, as_platform):
    load_as(database, as_platform, text=text)
