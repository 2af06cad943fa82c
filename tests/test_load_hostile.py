"""``bot harvest --load`` with hostile bodies (issue 10, cases 4, 8 and 9), through the CLI.

A bad field is nulled (or its row dropped) at the transform with a warning naming the item, and
counted as skipped; a body from another platform is named, with the ``--platform`` that reads
it; a body nested too deeply is one line.
"""

from __future__ import annotations

import copy
import json

import pytest

from tests.conftest import FIXTURES

X_SEARCH = json.loads((FIXTURES / "recorded" / "x_v2_examples" / "search_tweets_query.json").read_text())
BSKY_SEARCH = json.loads((FIXTURES / "bluesky" / "searchPosts.json").read_text())
REDDIT_NEW = json.loads((FIXTURES / "digest" / "reddit_new.json").read_text())


def _write(tmp_path, name, body) -> str:
    path = tmp_path / name
    path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    return str(path)


def test_a_count_that_is_text_is_nulled_and_digest_still_works(hostile_cli, tmp_path, db_path):
    body = copy.deepcopy(X_SEARCH)
    body["data"][0].setdefault("public_metrics", {})["like_count"] = "lots"
    tweet = f"x:{body['data'][0]['id']}"
    result = hostile_cli("harvest", "--platform", "x", "--load", _write(tmp_path, "lots.json", body))
    assert result.exit_code == 0, result.output
    assert f"{tweet}: like_count 'lots' is not a count; stored as null" in result.stderr
    seen, new, requests, skipped = result.stdout.splitlines()[1].split()[2:6]
    assert (seen == new, requests, skipped) == (True, "0", "1")
    from bot.db import open_db

    db = open_db(db_path)
    assert next(db.query("SELECT like_count FROM posts WHERE id = ?", [tweet]))["like_count"] is None
    db.close()
    digest = hostile_cli("digest", "--since", "99999999d")
    assert digest.exit_code == 0, digest.output
    assert "On X" in digest.stdout


def test_digest_survives_a_count_stored_as_text_before_the_check(hostile_cli, tmp_path, db_path):
    """A database written before the transform checked rows may already hold the text."""
    result = hostile_cli("harvest", "--platform", "x", "--load", _write(tmp_path, "ok.json", X_SEARCH))
    assert result.exit_code == 0, result.output
    from bot.db import open_db

    db = open_db(db_path)
    db.execute("UPDATE posts SET like_count = 'lots', reply_count = 'many'")
    db.conn.commit()
    db.close()
    digest = hostile_cli("digest", "--since", "99999999d")
    assert digest.exit_code == 0, digest.output
    assert "On X" in digest.stdout


@pytest.mark.parametrize(
    "field,value",
    [("text", ["not", "text"]), ("id", {"an": "object"}), ("created_at", "yesterday"),
     ("public_metrics", "many"), ("text", None)],
)
def test_a_bad_tweet_field_is_skipped_with_a_warning(hostile_cli, tmp_path, field, value):
    body = copy.deepcopy(X_SEARCH)
    body["data"][0][field] = value
    result = hostile_cli("harvest", "--platform", "x", "--load", _write(tmp_path, "bad.json", body))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    skipped = int(result.stdout.splitlines()[1].split()[5])
    assert skipped >= 1 and "WARNING" in result.stderr


@pytest.mark.parametrize(
    "body,load_as,message",
    [
        (BSKY_SEARCH, "x", "is a Bluesky searchPosts body, not x: load it with --platform bluesky"),
        (X_SEARCH, "bluesky", "is an X API v2 body, not bluesky: load it with --platform x"),
        (REDDIT_NEW, "x", "is a Reddit Listing, not x: load it with --platform reddit"),
        (X_SEARCH, "reddit", "is an X API v2 body, not reddit: load it with --platform x"),
    ],
    ids=["bluesky-as-x", "x-as-bluesky", "reddit-as-x", "x-as-reddit"],
)
def test_a_body_of_another_platform_is_named(hostile_cli, tmp_path, body, load_as, message):
    path = _write(tmp_path, "body.json", body)
    result = hostile_cli("harvest", "--platform", load_as, "--load", path)
    assert result.exit_code == 1
    assert result.output == f"Error: {path} {message}\n"


def test_deeply_nested_json_is_one_line(hostile_cli, tmp_path):
    path = _write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000)
    result = hostile_cli("harvest", "--platform", "x", "--load", path)
    assert result.exit_code == 1
    assert result.output == f"Error: {path} is nested too deeply to be an API body\n"


@pytest.mark.parametrize("platform", ["x", "bluesky", "reddit"])
def test_an_unknown_body_is_one_line(hostile_cli, tmp_path, platform):
    path = _write(tmp_path, "foo.json", {"foo": 1})
    result = hostile_cli("harvest", "--platform", platform, "--load", path)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}") and "unexpected" not in result.output
    assert result.output.count("\n") == 1


@pytest.mark.parametrize("command", [["search", "favorite"], ["digest"]])
def test_since_further_back_than_time_itself_means_everything(hostile_cli, tmp_path, command):
    assert hostile_cli("harvest", "--platform", "x", "--load", _write(tmp_path, "x.json", X_SEARCH)).exit_code == 0
    result = hostile_cli(*command, "--since", "99999999d")
    assert result.exit_code == 0, result.output
    assert "snowman" in result.output  # the harvested posts, from 2020, are found
    too_long = hostile_cli(*command, "--since", "9999999999d")
    assert too_long.exit_code == 1
    assert too_long.output == "Error: invalid --since '9999999999d': too long (at most 999999999d)\n"


def test_regression_an_x_user_whose_public_metrics_is_not_an_object(hostile_cli, tmp_path):
    """Found by tests/test_fuzz_load.py: ``includes.users[0].public_metrics = true`` ended the
    whole --load with an 'unexpected AttributeError'."""
    body = copy.deepcopy(X_SEARCH)
    body["includes"]["users"][0]["public_metrics"] = True
    result = hostile_cli("harvest", "--platform", "x", "--load", _write(tmp_path, "u.json", body))
    assert result.exit_code == 0, result.output
    assert f"x: skipped user {body['includes']['users'][0]['id']}: " in result.stderr


def test_regression_a_reddit_listing_whose_data_is_not_an_object(hostile_cli, tmp_path):
    """Found by tests/test_fuzz_load.py: ``[{"kind": "Listing", "data": true}, <comments>]``
    ended the --load with an 'unexpected AttributeError'; the other listing is still read."""
    comments = json.loads((FIXTURES / "digest" / "reddit_comments.json").read_text())
    body = [{"kind": "Listing", "data": True}, comments[1]]
    result = hostile_cli("harvest", "--platform", "reddit", "--load", _write(tmp_path, "r.json", body))
    assert result.exit_code == 0, result.output
    assert int(result.stdout.splitlines()[1].split()[2]) >= 1  # seen


def test_regression_a_lone_reddit_listing_whose_data_is_not_an_object(hostile_cli, tmp_path):
    """Found by tests/test_fuzz_load.py: ``[{"kind": "Listing", "data": true}]`` as the only
    listing broke the check for an empty answer with an AttributeError; it is a Listing with
    nothing in it."""
    path = _write(tmp_path, "r.json", [{"kind": "Listing", "data": True}])
    result = hostile_cli("harvest", "--platform", "reddit", "--load", path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].split()[2:4] == ["0", "0"]
