"""Saving, loading and finding the latest issue in the ``issues`` table."""

from __future__ import annotations

import msgspec
import datetime as dt
import json

from bot.newsletter import latest_issue, load_issue, read_feed, read_issue, save_issue
from bot.newsletter.model import Issue
from tests.conftest import FIXTURES, SAMPLE_ISSUE

FEED = FIXTURES / "newsletters" / "substack-feed-synthetic.xml"


class Clock:
    """A settable clock, so first_seen_at/updated_at are exact."""

    def __init__(self, start: str) -> None:
        self.now = dt.datetime.fromisoformat(start)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def _rows(db):
    return [dict(row) for row in db["issues"].rows]


def test_round_trip_through_the_table(db):
    issue = read_feed(str(FEED))[1]  # the one with tweet embeds
    clock = Clock("2025-09-20T08:00:00+00:00")
    assert save_issue(db, issue, clock=clock) is True
    loaded = load_issue(db, issue.key)
    assert loaded == issue
    assert loaded.items[4].embeds == issue.items[4].embeds
    (row,) = _rows(db)
    assert row["key"] == "https://ml4sci.substack.com/p/ml4sci-99-example-headline-one"
    assert (row["number"], row["published_at"], row["source"]) == (99, "2021-05-10T14:00:00Z", str(FEED))
    assert row["first_seen_at"] == row["updated_at"] == "2025-09-20T08:00:00Z"
    assert Issue.from_dict(json.loads(row["data"])) == issue


def test_saving_again_keeps_first_seen_and_moves_updated_only_on_change(db):
    issue = read_issue(str(SAMPLE_ISSUE))
    clock = Clock("2025-09-20T08:00:00+00:00")
    assert save_issue(db, issue, clock=clock) is True
    clock.advance(hours=1)
    assert save_issue(db, issue, clock=clock) is False
    assert _rows(db)[0]["updated_at"] == "2025-09-20T08:00:00Z"  # nothing changed
    clock.advance(hours=1)
    edited = msgspec.structs.replace(issue, subtitle="A corrected subtitle")
    assert save_issue(db, edited, clock=clock) is False
    (row,) = _rows(db)
    assert (row["first_seen_at"], row["updated_at"]) == ("2025-09-20T08:00:00Z", "2025-09-20T10:00:00Z")
    assert row["subtitle"] == "A corrected subtitle"
    assert load_issue(db, issue.key).subtitle == "A corrected subtitle"
    assert issue.key.startswith("sha256:")  # a text file has no guid or URL


def test_latest_issue_by_published_then_first_seen(db):
    assert latest_issue(db) is None
    clock = Clock("2025-09-20T08:00:00+00:00")
    newer, older = read_feed(str(FEED))
    undated = read_issue(str(SAMPLE_ISSUE))
    save_issue(db, undated, clock=clock)
    clock.advance(minutes=1)
    save_issue(db, newer, clock=clock)
    clock.advance(minutes=1)
    save_issue(db, older, clock=clock)  # seen last, published earlier
    assert latest_issue(db) == newer
    twin = msgspec.structs.replace(older, guid="another-guid", published_at=newer.published_at)
    clock.advance(minutes=1)
    save_issue(db, twin, clock=clock)  # same publication time, seen later: it wins the tie
    assert latest_issue(db).guid == "another-guid"


def test_load_unknown_key(db):
    assert load_issue(db, "https://example.org/none") is None


def test_saving_inside_a_callers_transaction(db):
    issue = read_issue(str(SAMPLE_ISSUE))
    with db.conn:  # the caller's transaction; save_issue must not try to open its own
        db.execute(
            "INSERT INTO issues (key, title, data, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            ["other", "Other", "{}", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z"],
        )
        assert save_issue(db, issue) is True
    assert sorted(row["key"] for row in _rows(db)) == sorted(["other", issue.key])
