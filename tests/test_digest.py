"""bot digest: ranking and score parts over harvested fixture threads, the window, the options.

The fixture bodies (tests/fixtures/digest/) are loaded with ``bot harvest --load``; the clock
is fixed at 2026-03-09T12:00Z so ages, and so engagement per day, are exact.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.digest.build import build_digest
from bot.settings import load
from tests.fixtures.digest.support import (
    IDS,
    NOW,
    R1,
    R2,
    R3,
    R_OLD,
    TOML,
    UNTIL,
    load_all,
)

PARTS = ("engagement", "length", "links", "keywords", "author", "used")
ANNA, MEI, ANDES, QCHEM = (IDS.x_thread(u) for u in ("mat_sci_anna", "mei_lin_lab", "andes_downscale", "qchem_dev"))
HYPE, OLD_X = IDS.x_thread("ai_hype_daily"), IDS.x_thread("old_review_ml")
LENA, AMARA, JONAS, NOOR, SOFIA, RAVI = (
    IDS.bsky_thread(h) for h in (
        "lenavogel.bsky.social", "dr-amara.bsky.social", "jonas-cells.bsky.social",
        "noor-climate.bsky.social", "sofia-ml.bsky.social", "ravi-ops.bsky.social",
    )
)


@pytest.fixture
def harvested(cli_run, tmp_path, db):
    (tmp_path / "bot.toml").write_text(TOML, encoding="utf-8")
    load_all(cli_run)
    return db


def settings_with(tmp_path, toml: str = TOML):
    path = tmp_path / "digest.toml"
    path.write_text(toml, encoding="utf-8")
    return load(path, environ={}, dotenv=None)


def build(db, settings, **options):
    options = {"since": dt.timedelta(days=7), "top": 100, **options}
    return build_digest(db, settings, clock=lambda: NOW, **options)


def ranked(digest) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for entry in digest.entries:
        out.setdefault(entry.thread.platform, []).append(entry.thread.id)
    return out


def scores(digest):
    return {entry.thread.id: entry.score for entry in digest.entries}


def test_ranking_order_per_platform(harvested, tmp_path):
    digest = build(harvested, settings_with(tmp_path))

    assert ranked(digest) == {
        "x": [ANNA, MEI, ANDES, QCHEM],
        "bluesky": [LENA, AMARA, JONAS, NOOR, SOFIA, RAVI],
        "reddit": [R1, R3, R2],
    }
    totals = {p: [e.score.total for e in digest.by_platform(p)] for p in ("x", "bluesky", "reddit")}
    assert totals == {"x": [7.75, 4.25, 2.0, 1.0], "bluesky": [7.5, 3.2, 2.7, 2.2, 1.7, 1.2], "reddit": [5.0, 3.0, 1.0]}


def test_exact_score_parts_and_notes(harvested, tmp_path):
    got = scores(build(harvested, settings_with(tmp_path)))

    assert got[ANNA].parts == {"engagement": 3.0, "length": 0.75, "links": 3.0, "keywords": 1.0,
                               "author": 0.0, "used": 0.0}
    assert got[ANNA].notes == {
        "engagement": "218.4/day, 1st of 4 on X", "length": "4 posts",
        "links": "arxiv.org, doi.org, github.com", "keywords": "materials, simulation",
        "author": "", "used": "",
    }
    assert got[MEI].parts == {"engagement": 0.0, "length": 0.25, "links": 1.5, "keywords": 0.5,
                              "author": 2.0, "used": 0.0}
    assert got[LENA].parts == {"engagement": 3.0, "length": 1.0, "links": 3.0, "keywords": 0.5,
                               "author": 0.0, "used": 0.0}
    assert got[RAVI].parts == {"engagement": 1.2, "length": 0.0, "links": 0.0, "keywords": 0.0,
                               "author": 0.0, "used": 0.0}
    assert got[RAVI].notes["engagement"] == "12.9/day, 2nd of 6 on Bluesky"  # five share 2nd place
    assert got[R1].parts == {"engagement": 3.0, "length": 0.5, "links": 1.5, "keywords": 0.0,
                             "author": 0.0, "used": 0.0}
    assert got[R2].parts == {"engagement": 0.0, "length": 0.0, "links": 0.0, "keywords": 1.0,
                             "author": 0.0, "used": 0.0}
    assert got[R2].notes["keywords"] == "simulation, climate"  # in [digest].keywords order


@pytest.mark.parametrize(("part", "higher", "lower"), [
    ("engagement", ANDES, QCHEM),
    ("length", SOFIA, RAVI),
    ("links", JONAS, RAVI),
    ("keywords", NOOR, RAVI),
    ("author", AMARA, RAVI),
])
def test_each_part_decides_a_pair(harvested, tmp_path, part, higher, lower):
    digest = build(harvested, settings_with(tmp_path))
    got = scores(digest)
    order = [entry.thread.id for entry in digest.entries]

    assert {name for name in PARTS if got[higher].parts[name] != got[lower].parts[name]} == {part}
    assert got[higher].parts[part] > got[lower].parts[part]
    assert order.index(higher) < order.index(lower)


def test_engagement_is_per_day_of_age(harvested, tmp_path):
    digest = build(harvested, settings_with(tmp_path))
    threads = {entry.thread.id: entry.thread for entry in digest.entries}

    # qchem has more likes, reposts and quotes (400 vs 152) but is 4 days older: 67.6 vs 101.3 a day.
    assert threads[QCHEM].engagement == 400 and threads[ANDES].engagement == 152
    assert scores(digest)[QCHEM].notes["engagement"] == "67.6/day, 3rd of 4 on X"
    assert scores(digest)[ANDES].notes["engagement"] == "101.3/day, 2nd of 4 on X"


def test_engagement_is_ranked_within_each_platform(harvested, tmp_path):
    digest = build(harvested, settings_with(tmp_path))
    threads = {entry.thread.id: entry.thread for entry in digest.entries}
    got = scores(digest)

    # 901 on X and 135 on Bluesky are both the best of their platform.
    assert (threads[ANNA].engagement, threads[LENA].engagement) == (901, 135)
    assert got[ANNA].parts["engagement"] == got[LENA].parts["engagement"] == 3.0
    # 400 on X is 3rd of 4 there; 28 on Bluesky ties for 2nd of 6 and counts for more.
    assert threads[QCHEM].engagement > threads[RAVI].engagement
    assert got[QCHEM].parts["engagement"] < got[RAVI].parts["engagement"]


def test_deny_list_drops_the_author(harvested, tmp_path):
    denied = build(harvested, settings_with(tmp_path), include_used=True)
    without_deny = build(harvested, settings_with(tmp_path, TOML.replace('deny = ["@AI_Hype_Daily"]', "")))

    assert HYPE not in scores(denied)  # the deny list matches "@AI_Hype_Daily" to ai_hype_daily
    assert scores(denied)[ANNA].notes["engagement"] == "218.4/day, 1st of 4 on X"
    # Without the list it is the most engaged on X, and everyone else's engagement rank drops.
    assert ranked(without_deny)["x"] == [ANNA, MEI, HYPE, ANDES, QCHEM]
    assert scores(without_deny)[HYPE].notes["engagement"] == "917.1/day, 1st of 5 on X"  # (900 + 2 x 310 + 85) / 1.75 days
    assert scores(without_deny)[ANNA].parts["engagement"] == 2.25


def test_strong_domains_add_hosts(harvested, tmp_path):
    extra = settings_with(tmp_path, TOML + 'strong_domains = ["PANGAEA.de"]\n')

    got = scores(build(harvested, extra))

    assert got[R2].parts["links"] == 1.5
    assert got[R2].notes["links"] == "doi.pangaea.de"
    assert ranked(build(harvested, extra))["reddit"] == [R1, R3, R2]  # 2.5 < 3.0: still last


def test_a_reply_without_its_conversation_is_not_a_thread(harvested, tmp_path):
    orphan = "x:" + IDS.tweets[("lab_notes_bio", 1)]

    assert harvested.execute("SELECT count(*) FROM posts WHERE id = ?", [orphan]).fetchone()[0] == 1
    everything = build(harvested, settings_with(tmp_path), since=dt.timedelta(days=365), include_used=True)
    assert all(entry.thread.author_handle != "lab_notes_bio" for entry in everything.entries)


@pytest.mark.parametrize(("since", "expected"), [
    (dt.timedelta(hours=36), {"x": [ANDES], "bluesky": [AMARA, JONAS, NOOR, SOFIA, RAVI], "reddit": [R3]}),
    # Anna's thread started at 09:00 on the 6th; Kim's reply at 09:40 is inside the window.
    (dt.timedelta(hours=74, minutes=30), {"x": [ANNA, ANDES]}),
    # the review from February ranks 0.75 + links 1.50 + keywords 1.00: above Andes' 2.25 now
    (dt.timedelta(days=30), {"x": [ANNA, MEI, OLD_X, ANDES, QCHEM], "reddit": [R1, R3, R2, R_OLD]}),
])
def test_since_window(harvested, tmp_path, since, expected):
    digest = build(harvested, settings_with(tmp_path), since=since)

    for platform, ids in expected.items():
        assert ranked(digest)[platform] == ids
    assert digest.until == NOW and digest.since == NOW - since


def test_since_window_renormalises_engagement(harvested, tmp_path):
    got = scores(build(harvested, settings_with(tmp_path), since=dt.timedelta(hours=36)))

    assert [got[t].parts["engagement"] for t in (AMARA, JONAS, NOOR, SOFIA, RAVI)] == [1.5] * 5  # a 5-way tie
    assert got[R3].parts["engagement"] == 3.0  # alone on Reddit, and engaged with
    assert got[R3].notes["engagement"] == "46.5/day, 1st of 1 on Reddit"


def test_top_is_per_platform(harvested, tmp_path):
    assert ranked(build(harvested, settings_with(tmp_path), top=1)) == {"x": [ANNA], "bluesky": [LENA], "reddit": [R1]}
    assert ranked(build(harvested, settings_with(tmp_path), top=2))["bluesky"] == [LENA, AMARA]


def test_platform_filter(harvested, tmp_path):
    digest = build(harvested, settings_with(tmp_path), platforms=["bluesky", "reddit"])

    assert set(ranked(digest)) == {"bluesky", "reddit"}
    assert ranked(digest)["reddit"] == [R1, R3, R2]


# -- the command ---------------------------------------------------------------------------------
def test_explain_lines(harvested, cli_run):
    result = cli_run("digest", "--until", UNTIL, "--explain", "--platform", "x", "--platform", "reddit")

    assert result.exit_code == 0, result.output
    scores_shown = [line for line in result.output.splitlines() if line.startswith("  - `score")]
    assert scores_shown == [
        ("  - `score 7.75 = engagement 3.00 (218.4/day, 1st of 4 on X) + length 0.75 (4 posts) + links 3.00 "
        "(arxiv.org, doi.org, github.com) + keywords 1.00 (materials, simulation)`"),
        ("  - `score 4.25 = engagement 0.00 (16.2/day, 4th of 4 on X) + length 0.25 (2 posts) + links 1.50 "
        "(doi.org) + keywords 0.50 (protein) + author 2.00 (allow list)`"),
        "  - `score 2.00 = engagement 2.00 (101.3/day, 2nd of 4 on X)`",
        "  - `score 1.00 = engagement 1.00 (67.6/day, 3rd of 4 on X)`",
        ("  - `score 5.00 = engagement 3.00 (224.0/day, 1st of 3 on Reddit) + length 0.50 (3 posts) + links 1.50 "
        "(arxiv.org)`"),
        "  - `score 3.00 = engagement 1.50 (46.5/day, 2nd of 3 on Reddit) + links 1.50 (zenodo.org)`",
        "  - `score 1.00 = engagement 0.00 (33.9/day, 3rd of 3 on Reddit) + keywords 1.00 (simulation, climate)`",
    ]
    without = cli_run("digest", "--until", UNTIL, "--platform", "x")
    assert "score" not in without.output and without.output.count("\n- ") == 4


def test_default_top_is_five(harvested, cli_run):
    result = cli_run("digest", "--until", UNTIL, "--platform", "bluesky")

    assert result.exit_code == 0, result.output
    assert result.output.count("\n- ") == 5 and "ravi-ops" not in result.output


def test_an_empty_window(harvested, cli_run):
    for fmt in ("md", "html"):
        result = cli_run("digest", "--until", "2026-01-01", "--format", fmt)
        assert result.exit_code == 0, result.output
        assert "No harvested threads in this window: run bot harvest, or widen --since." in result.output
        assert "2025-12-25 00:00 to 2026-01-01 00:00 UTC" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (("--since", "7x"), "Error: invalid --since '7x': use a number with s, m, h, d or w (e.g. 30m)"),
    (("--since", "last week"), "Error: invalid --since 'last week': use a number with s, m, h, d or w (e.g. 30m)"),
    (("--until", "yesterday"),
     "Error: invalid --until 'yesterday': use an ISO-8601 time such as 2026-03-09T12:00Z or a date"),
])
def test_bad_window_is_one_line(harvested, cli_run, args, message):
    result = cli_run("digest", *args)

    assert result.exit_code == 1
    assert result.output.splitlines() == [message]


@pytest.mark.parametrize(("toml", "message"), [
    ('[digest]\nkeywords = "protein"\n',
     'Error: [digest].keywords in bot.toml must be a list of strings, e.g. keywords = ["protein", "materials"]'),
    ('[digest]\nalow = ["someone"]\n',
     "Error: [digest] in bot.toml has unknown key 'alow' (known: allow, deny, keywords, strong_domains)"),
    ('[digest]\ndeny = ["ok", 3]\n',
     'Error: [digest].deny in bot.toml must be a list of strings, e.g. deny = ["ai_hype_daily"]'),
    ("digest = 3\n", "Error: [digest] in bot.toml must be a table"),
])
def test_bad_digest_settings_are_one_line(cli_run, tmp_path, toml, message):
    (tmp_path / "bot.toml").write_text(toml, encoding="utf-8")

    result = cli_run("digest")

    assert result.exit_code == 1
    assert result.output.splitlines() == [message]


def test_the_example_settings_are_valid():
    import tomllib

    from bot.digest.options import digest_options
    from tests.conftest import ROOT

    options = digest_options(tomllib.loads((ROOT / "bot.toml.example").read_text(encoding="utf-8")))

    assert "protein" in options.keywords and options.allow == options.deny == frozenset()


def test_a_lone_thread_scores_engagement_only_if_someone_engaged():
    from bot.digest.model import HarvestedThread
    from bot.digest.scoring import score_threads

    def thread(tid: str, engagement: float) -> HarvestedThread:
        return HarvestedThread(id=tid, platform="reddit", url=None, title="t", author_handle="a", author_name=None,
                      first_post_at=NOW - dt.timedelta(days=1), engagement=engagement)

    quiet = score_threads([thread("q", 0)], now=NOW)
    liked = score_threads([thread("l", 4)], now=NOW)

    assert quiet[0][1].parts["engagement"] == 0.0 and quiet[0][1].notes["engagement"] == "0.0/day, 1st of 1 on Reddit"
    assert liked[0][1].parts["engagement"] == 3.0 and liked[0][1].notes["engagement"] == "2.0/day, 1st of 1 on Reddit"


def test_overlapping_keywords_count_once_per_mention():
    from bot.digest.model import HarvestedThread
    from bot.digest.options import DigestOptions
    from bot.digest.scoring import score_threads

    options = DigestOptions(keywords=("protein", "Protein folding", "fold"))

    def keywords(text: str) -> tuple[float, str]:
        thread = HarvestedThread(id="t", platform="x", url=None, title=text, author_handle="a", author_name=None,
                        first_post_at=NOW)
        score = score_threads([thread], now=NOW, options=options)[0][1]
        return score.parts["keywords"], score.notes["keywords"]

    assert keywords("PROTEIN FOLDING at scale") == (0.5, "Protein folding")  # not "protein" again
    assert keywords("protein folding, then protein design; it folds") == (1.5, "protein, Protein folding, fold")
    assert keywords("unfolded proteins") == (0.5, "protein")  # a word's start only: not "fold"
