"""bot mark-used and automatic marking: threads used in an issue stop being suggested."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.digest.build import build_digest
from bot.digest.used import auto_mark
from bot.newsletter.model import Embed, Issue, Story, Link, Section
from bot.newsletter.store import save_issue
from bot.settings import load
from tests.fixtures.digest.support import IDS, NOW, R1, R2, R3, TOML, UNTIL, load_all

ANNA, QCHEM = IDS.x_thread("mat_sci_anna"), IDS.x_thread("qchem_dev")
LENA, NOOR, SOFIA = (IDS.bsky_thread(h) for h in ("lenavogel.bsky.social", "noor-climate.bsky.social",
                                                   "sofia-ml.bsky.social"))


@pytest.fixture
def harvested(cli_run, tmp_path, db):
    (tmp_path / "bot.toml").write_text(TOML, encoding="utf-8")
    load_all(cli_run)
    return db


def used_rows(db):
    return [tuple(row) for row in db.execute("SELECT thread_id, issue, how FROM used_threads ORDER BY thread_id")]


def digest_ids(db, tmp_path, **options):
    settings = load(tmp_path / "bot.toml", environ={}, dotenv=None)
    digest = build_digest(db, settings, since=dt.timedelta(days=7), top=100, clock=lambda: NOW, **options)
    return {entry.thread.id: entry for entry in digest.entries}


@pytest.mark.parametrize(("ref", "thread"), [
    pytest.param(ANNA, ANNA, id="thread id"),
    pytest.param("bsky:" + IDS.bsky[("sofia-ml.bsky.social", 3)]["uri"], SOFIA, id="post id of a follow-up"),
    pytest.param(f"https://x.com/mat_sci_anna/status/{IDS.tweets[('mat_sci_anna', 3)]}?s=20", ANNA,
                 id="x status url"),
    pytest.param(f"https://twitter.com/i/web/status/{IDS.tweets[('qchem_dev', 1)]}", QCHEM, id="twitter.com url"),
    pytest.param(IDS.tweets[("mat_sci_anna", 2)], ANNA, id="bare tweet id"),
    pytest.param(f"https://bsky.app/profile/noor-climate.bsky.social/post/{IDS.bsky_rkey('noor-climate.bsky.social')}",
                 NOOR, id="bsky.app url with a handle"),
    pytest.param(f"https://bsky.app/profile/{IDS.bsky_did('lenavogel.bsky.social')}/post/"
                 f"{IDS.bsky_rkey('lenavogel.bsky.social', 4)}", LENA, id="bsky.app url with a did"),
    pytest.param(IDS.bsky[("lenavogel.bsky.social", 2)]["uri"], LENA, id="at uri"),
    pytest.param("https://old.reddit.com/r/MachineLearning/comments/1j8qk2x/whatever/mg2a0f7/", R1,
                 id="reddit comment url"),
    pytest.param("https://redd.it/1j6x0ha", R2, id="redd.it short link"),
])
def test_mark_used_by_any_reference(harvested, cli_run, ref, thread):
    result = cli_run("mark-used", ref, "--issue", "34")

    assert result.exit_code == 0, result.output
    assert result.output == f"marked 1 thread(s) as used in issue 34: {thread}\n"
    assert used_rows(harvested) == [(thread, "34", "manual")]


def test_several_refs_to_one_thread_mark_it_once(harvested, cli_run):
    tweet = IDS.tweets[("mat_sci_anna", 4)]
    result = cli_run("mark-used", ANNA, f"https://x.com/mat_sci_anna/status/{tweet}", R3, "--issue", "34")
    again = cli_run("mark-used", ANNA, "--issue", "34")

    assert result.output == f"marked 2 thread(s) as used in issue 34: {ANNA}, {R3}\n"
    assert again.exit_code == 0
    assert used_rows(harvested) == [(R3, "34", "manual"), (ANNA, "34", "manual")]


@pytest.mark.parametrize("unknown", [
    "not-a-thread",
    "https://x.com/someone/status/1111111111111111111",  # a tweet we never harvested
    "https://bsky.app/profile/stranger.bsky.social/post/3mgjuq6cc2227",  # a handle we do not hold
    "https://www.reddit.com/r/MachineLearning/comments/zzzzzz/nope/",
    "https://arxiv.org/abs/2603.04117",
])
def test_an_unknown_ref_marks_nothing(harvested, cli_run, unknown):
    result = cli_run("mark-used", ANNA, unknown, "--issue", "34")

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        (f"Error: not a harvested thread, post or post URL: {unknown} (fetch it first with bot thread URL); "
        "nothing was marked")
    ]
    assert used_rows(harvested) == []


def test_mark_used_needs_an_issue(harvested, cli_run):
    missing = cli_run("mark-used", ANNA)
    blank = cli_run("mark-used", ANNA, "--issue", "  ")

    assert missing.exit_code == 2 and "Missing option '--issue'" in missing.output
    assert blank.exit_code == 1
    assert blank.output.splitlines() == ["Error: --issue is empty: give the issue's number or key"]
    assert used_rows(harvested) == []


def test_used_threads_are_left_out_and_shown_on_request(harvested, cli_run, tmp_path):
    assert cli_run("mark-used", QCHEM, SOFIA, "--issue", "34").exit_code == 0

    entries = digest_ids(harvested, tmp_path)
    assert QCHEM not in entries and SOFIA not in entries
    assert ANNA in entries and LENA in entries

    shown = digest_ids(harvested, tmp_path, include_used=True)
    assert shown[SOFIA].used_in == "34" and shown[ANNA].used_in is None
    assert shown[SOFIA].score.parts["used"] == -10.0
    assert shown[SOFIA].score.explain() == (
        "-8.30 = engagement 1.20 (12.9/day, 2nd of 6 on Bluesky) + length 0.50 (3 posts) - used 10.00 (in issue 34)"
    )

    result = cli_run("digest", "--until", UNTIL, "--include-used", "--explain", "--platform", "bluesky")
    lines = result.output.splitlines()
    # the top 5 unused ones, then the used one: it does not take one of the places
    assert sum(line.startswith("- **") for line in lines) == 6 and "Ravi Menon" in result.output
    assert lines[-2].endswith("Deep ensembles won on calibration, but cost five times the compute of "
                              "everything else. _(used in issue 34)_")
    assert lines[-1] == ("  - `score -8.30 = engagement 1.20 (12.9/day, 2nd of 6 on Bluesky) + length 0.50 "
                         "(3 posts) - used 10.00 (in issue 34)`")


def test_a_used_thread_drops_below_one_that_only_differs_by_it(harvested, cli_run, tmp_path):
    ravi = IDS.bsky_thread("ravi-ops.bsky.social")
    cli_run("mark-used", SOFIA, "--issue", "34")

    entries = list(digest_ids(harvested, tmp_path, include_used=True))

    assert entries.index(ravi) < entries.index(SOFIA)  # 1.20 vs -8.30; it was 1.70 before


def issue_35() -> Issue:
    """An issue that links to a tweet and a Reddit thread and embeds a tweet and a Bluesky post."""
    lena_root = IDS.bsky[("lenavogel.bsky.social", 1)]
    did, rkey = IDS.bsky_did("lenavogel.bsky.social"), IDS.bsky_rkey("lenavogel.bsky.social")
    bluesky = Embed(platform="bluesky", url=f"https://bsky.app/profile/{did}/post/{rkey}", id=lena_root["uri"],
                    author="lenavogel.bsky.social", text="How we used a diffusion model…")
    third = IDS.tweets[("mat_sci_anna", 3)]
    tweet = Embed(platform="x", url=f"https://twitter.com/mat_sci_anna/status/{third}", id=third,
                  author="mat_sci_anna")
    items = (
        Story.of(number=1, section="Tales of the Twitterverse",
             text="Priya Raman on force fields", links=(
                 Link(f"https://twitter.com/qchem_dev/status/{IDS.tweets[('qchem_dev', 1)]}?s=20", "force fields"),
                 Link("https://arxiv.org/abs/2603.04117", "the paper"))),
        Story.of(number=2, section="Tales of the Twitterverse", text="", embeds=(tweet,)),
        Story.of(number=3, section="Tales of the Twitterverse", text="", embeds=(bluesky,)),
        Story.of(number=4, section="Tales of the Twitterverse", text="From Reddit: microscopy data", links=(
            Link("https://www.reddit.com/r/MachineLearning/comments/1j9b7re/p_open_dataset/", "r/ML"),)),
    )
    return Issue(title="ML4Sci #35", number=35, url="https://ml4sci.substack.com/p/ml4sci-35",
                 sections=(Section("Tales of the Twitterverse", items),), embeds=(tweet, bluesky))


def test_threads_an_issue_links_to_or_embeds_are_marked(harvested, tmp_path):
    save_issue(harvested, issue_35(), clock=lambda: NOW)

    entries = digest_ids(harvested, tmp_path)

    assert not {QCHEM, ANNA, LENA, R3} & set(entries)
    assert used_rows(harvested) == sorted([(QCHEM, "35", "auto"), (ANNA, "35", "auto"),
                                           (LENA, "35", "auto"), (R3, "35", "auto")])
    assert auto_mark(harvested) == 0  # already marked: nothing new


def test_auto_marking_through_the_command(harvested, cli_run):
    save_issue(harvested, issue_35(), clock=lambda: NOW)

    result = cli_run("digest", "--until", UNTIL)

    assert result.exit_code == 0, result.output
    assert "Priya Raman" not in result.output and "Lena Vogel" not in result.output
    assert "Open dataset" not in result.output and "Anna Kowalski" not in result.output
    assert "Mei Lin" in result.output and "Equivariant transformers" in result.output


def test_an_issue_without_a_number_is_named_by_its_key(harvested):
    issue = Issue(title="Special issue", url="https://ml4sci.substack.com/p/special", sections=(
        Section("Links", (Story.of(number=1, section="Links", text="", links=(Link(f"https://redd.it/{R2[10:]}"),)),)),))
    save_issue(harvested, issue, clock=lambda: NOW)

    assert auto_mark(harvested) == 1
    assert used_rows(harvested) == [(R2, "https://ml4sci.substack.com/p/special", "auto")]
