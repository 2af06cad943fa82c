"""Test the Bluesky collector: against the real local network, and its pure parts offline.

The network tests post a real thread (two fresh accounts on the local PDS), let the AppView
index it (``barrier``) and compare the collector's rows with what was posted, exactly.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from collectors.base import RateLimited, Rows
from collectors.bluesky import BadReference, BlueskyCollector, BlueskyError, parse_ref
from collectors.bluesky_harvest import harvest_plan
from collectors.bluesky_rows import to_rows
from collectors.ratelimit import Policy
from tests.support.bsky_network import Account, BskyNetwork, like, repost, write_post

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "bluesky"
T0 = dt.datetime(2025, 3, 1, 12, 0, 0, tzinfo=dt.UTC)
ARXIV = "https://arxiv.org/abs/2401.00001"
BIORXIV = "https://www.biorxiv.org/content/10.1101/2024.01.01.000001v1"
DOI = "https://doi.org/10.1000/xyz123"
GITHUB = "https://github.com/ml4sci/example-repo"


def at(seconds: int) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def at_z(seconds: int) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).isoformat(timespec="seconds").replace("+00:00", "Z")


def search(word: str, **options: Any) -> SimpleNamespace:
    return SimpleNamespace(name="bsky-test", kind="search", target=word, options=options)


def without_raw(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "raw"} for row in rows]


# -- the sample thread ----------------------------------------------------------------------
@dataclass
class SampleThread:
    """Alice's 5-post self-thread, Bob's replies (to post 1 and post 3), a like and a repost."""

    word: str
    alice: Account
    bob: Account
    posts: list[Any]  # strong refs of Alice's posts 1..5
    bob_three: Any  # Bob's reply to post 3 (with a link card)
    bob_root: Any  # Bob's reply to post 1
    texts: dict[str, str]  # uri -> text


def sample_texts(word: str) -> list[str]:
    """The seven posts' texts: Alice's 1..5, Bob's reply to 3, Bob's reply to 1."""
    return [
        f"Thread 1/5 🧪 数据科学 {word}: arxiv.org/abs/2401.00001 🚀\nwhy this paper matters",
        f"2/5 {word} — café ✅",
        f"3/5 {word} 自動化 👨‍👩‍👧‍👦",
        f"4/5 {word} preprint: biorxiv.org/content/…",
        f"5/5 {word} end {DOI}",  # a bare URL without a facet
        f"reply to three {word} 👀",
        f"reply to the root {word} 👍",
    ]


def post_sample_thread(network: BskyNetwork, word: str) -> SampleThread:
    """Write the sample thread with fixed ``createdAt`` times (T0 + 0..6 s) and index it."""
    from atproto import client_utils, models

    alice, bob = network.create_account("alice"), network.create_account("bob")
    a, b = network.login(alice), network.login(bob)
    plain = sample_texts(word)
    # Emoji and CJK before the link: its facet's UTF-8 byte offsets differ from char offsets.
    first = (
        client_utils.TextBuilder()
        .text(f"Thread 1/5 🧪 数据科学 {word}: ")
        .link("arxiv.org/abs/2401.00001", ARXIV)
        .text(" 🚀\nwhy this paper matters")
    )
    fourth = client_utils.TextBuilder().text(f"4/5 {word} preprint: ").link("biorxiv.org/content/…", BIORXIV)
    texts: list[Any] = [first, plain[1], plain[2], fourth, plain[4]]
    assert [first.build_text(), fourth.build_text()] == [plain[0], plain[3]]
    posts: list[Any] = []
    for i, text in enumerate(texts):
        reply = (posts[0], posts[-1]) if posts else None
        posts.append(write_post(a, alice, text, reply_to=reply, created_at=at(i)))
    card = models.AppBskyEmbedExternal.Main(
        external=models.AppBskyEmbedExternal.External(uri=GITHUB, title="example-repo", description="code")
    )
    bob_three = write_post(b, bob, plain[5], reply_to=(posts[0], posts[2]), embed=card, created_at=at(5))
    bob_root = write_post(b, bob, plain[6], reply_to=(posts[0], posts[0]), created_at=at(6))
    like(b, bob, posts[0])
    repost(b, bob, posts[1])
    network.barrier()
    refs = [*posts, bob_three, bob_root]
    return SampleThread(word, alice, bob, posts, bob_three, bob_root, {r.uri: t for r, t in zip(refs, plain)})


def expected_posts(t: SampleThread) -> list[dict[str, Any]]:
    """The rows of the whole thread in reading order (without ``raw``)."""
    p = t.posts
    # (ref, author, parent, seconds after T0, likes, reposts, replies)
    spec = [
        (p[0], t.alice, None, 0, 1, 0, 2),
        (p[1], t.alice, p[0], 1, 0, 1, 1),
        (p[2], t.alice, p[1], 2, 0, 0, 2),
        (p[3], t.alice, p[2], 3, 0, 0, 1),
        (p[4], t.alice, p[3], 4, 0, 0, 0),
        (t.bob_three, t.bob, p[2], 5, 0, 0, 0),
        (t.bob_root, t.bob, p[0], 6, 0, 0, 0),
    ]
    return [
        {
            "id": f"bsky:{ref.uri}",
            "platform": "bluesky",
            "thread_id": f"bsky:{p[0].uri}",
            "parent_id": f"bsky:{parent.uri}" if parent else None,
            "author_id": f"bsky:{author.did}",
            "text": t.texts[ref.uri],
            "created_at": at_z(seconds),
            "url": f"https://bsky.app/profile/{author.did}/post/{ref.uri.rsplit('/', 1)[1]}",
            "like_count": likes,
            "repost_count": reposts,
            "reply_count": replies,
            "quote_count": 0,
        }
        for ref, author, parent, seconds, likes, reposts, replies in spec
    ]


def expected_links(t: SampleThread) -> list[dict[str, str]]:
    return [
        {"post_id": f"bsky:{t.posts[0].uri}", "url": ARXIV, "domain": "arxiv.org"},
        {"post_id": f"bsky:{t.posts[3].uri}", "url": BIORXIV, "domain": "biorxiv.org"},
        {"post_id": f"bsky:{t.posts[4].uri}", "url": DOI, "domain": "doi.org"},
        {"post_id": f"bsky:{t.bob_three.uri}", "url": GITHUB, "domain": "github.com"},
    ]


@pytest.fixture(scope="module")
def thread(bsky_network: BskyNetwork) -> SampleThread:
    import uuid

    return post_sample_thread(bsky_network, f"zq{uuid.uuid4().hex[:10]}")


def collector(network: BskyNetwork, account: Account, **kwargs: Any) -> BlueskyCollector:
    kwargs.setdefault("appview_url", None)
    return BlueskyCollector(pds_url=network.pds_url, handle=account.handle, password=account.password, **kwargs)


# -- against the local network --------------------------------------------------------------
@pytest.mark.network
def test_fetch_thread_returns_the_whole_thread_in_reading_order(bsky_network, thread):
    sessions: list[str] = []
    with collector(bsky_network, thread.alice, on_session=sessions.append) as bsky:
        pages = list(bsky.fetch_thread(thread.posts[0].uri))
    assert len(pages) == 1 and pages[0].state is None and pages[0].requests == 2  # login + thread
    rows = to_rows(pages[0].raw)
    assert without_raw(rows.posts) == expected_posts(thread)
    assert [json.loads(p["raw"])["cid"] for p in rows.posts] == [
        r.cid for r in (*thread.posts, thread.bob_three, thread.bob_root)
    ]
    assert rows.links == expected_links(thread)
    root_id = f"bsky:{thread.posts[0].uri}"
    assert rows.threads == [{
        "id": root_id, "platform": "bluesky", "root_post_id": root_id,
        "author_id": f"bsky:{thread.alice.did}",
        "title": f"Thread 1/5 🧪 数据科学 {thread.word}: arxiv.org/abs/2401.00001 🚀",
        "url": f"https://bsky.app/profile/{thread.alice.did}/post/{thread.posts[0].uri.rsplit('/', 1)[1]}",
    }]
    assert without_raw(rows.authors) == [
        {"id": f"bsky:{a.did}", "platform": "bluesky", "handle": a.handle, "display_name": None,
         "description": None, "followers_count": None, "url": f"https://bsky.app/profile/{a.did}"}
        for a in (thread.alice, thread.bob)
    ]
    assert rows.skipped == []
    assert bsky.logins == 1 and len(sessions) == 1


@pytest.mark.network
def test_fetch_thread_from_a_reply_url_with_a_handle_starts_at_the_root(bsky_network, thread):
    rkey = thread.posts[2].uri.rsplit("/", 1)[1]
    url = f"https://bsky.app/profile/{thread.alice.handle}/post/{rkey}"
    with collector(bsky_network, thread.bob) as bsky:
        (page,) = bsky.fetch_thread(url)
    # resolveHandle, createSession, the reply's thread (to find the root), the root's thread
    assert page.requests == 4
    assert without_raw(to_rows(page.raw).posts) == expected_posts(thread)


@pytest.mark.network
def test_reads_straight_from_the_appview_match_the_pds_route_without_a_login(bsky_network, thread):
    with collector(bsky_network, thread.bob, appview_url=bsky_network.appview_url) as direct:
        (page,) = direct.fetch_thread(thread.posts[0].uri)
        searched = list(direct.fetch(search(thread.word), None))
    assert direct.logins == 0 and direct.session is None
    assert without_raw(to_rows(page.raw).posts) == expected_posts(thread)
    assert "viewer" not in json.loads(to_rows(page.raw).posts[0]["raw"])  # nobody is logged in
    assert {p["id"] for p in to_rows(searched[0].raw).posts} == {p["id"] for p in expected_posts(thread)}


@pytest.mark.network
def test_search_harvest_then_incremental_runs_reuse_the_session(bsky_network, thread):
    sessions: list[str] = []
    first = collector(bsky_network, thread.alice, on_session=sessions.append, page_limit=3)
    pages = list(first.fetch(search(thread.word), None))
    # Newest first, three a page, following the cursor; only the last page carries the state.
    assert [len(p.raw["posts"]) for p in pages] == [3, 3, 1]
    assert [p.state is None for p in pages] == [True, True, False]
    assert [p.requests for p in pages] == [2, 1, 1]  # createSession on the first
    assert first.requests == 4
    rows = Rows()
    for page in pages:
        rows.extend(to_rows(page.raw))
    by_id = {row["id"]: row for row in expected_posts(thread)}
    assert without_raw(rows.posts) == [by_id[i] for i in reversed(list(by_id))]
    assert [r["id"] for r in rows.threads] == [f"bsky:{thread.posts[0].uri}"]
    state = pages[-1].state
    newest = pages[0].raw["posts"][0]
    assert newest["uri"] == thread.bob_root.uri
    assert state == {"newest": newest["indexedAt"].replace("Z", "000Z"), "newest_uris": [thread.bob_root.uri]}
    assert first.logins == 1 and sessions == [first.session]
    first.close()

    # A later run (new process) with the stored session and the saved state: one request, nothing new.
    again: list[str] = []
    second = collector(bsky_network, thread.alice, session=sessions[-1], on_session=again.append)
    (page,) = second.fetch(search(thread.word), state)
    assert page.requests == second.requests == 1
    assert page.raw["posts"] == [] and to_rows(page.raw).posts == [] and page.state == state
    assert second.logins == 0 and again == []  # no createSession: the session was reused

    # Something new arrives: the next run yields exactly it and moves the state on.
    bob = bsky_network.login(thread.bob)
    late = write_post(bob, thread.bob, f"late {thread.word}", created_at=at(7))
    bsky_network.barrier()
    try:
        (page,) = second.fetch(search(thread.word), state)
        assert [p["id"] for p in to_rows(page.raw).posts] == [f"bsky:{late.uri}"]
        assert page.state["newest_uris"] == [late.uri] and page.state["newest"] > state["newest"]
    finally:  # the other tests share the thread: leave its search results as they were
        bob.app.bsky.feed.post.delete(thread.bob.did, late.uri.rsplit("/", 1)[1])
        bsky_network.barrier()
        second.close()


@pytest.mark.network
def test_a_rejected_stored_session_leads_to_one_new_login(bsky_network, thread):
    good = collector(bsky_network, thread.alice)
    good.resolve_handle(thread.alice.handle)
    list(good.fetch_thread(thread.posts[0].uri))
    handle, did, access, refresh, pds = good.session.split(":::")
    forged = ":::".join([handle, did, access.rsplit(".", 1)[0] + ".Zm9yZ2Vk", refresh, pds])
    sessions: list[str] = []
    bsky = collector(bsky_network, thread.alice, session=forged, on_session=sessions.append)
    (page,) = bsky.fetch_thread(thread.posts[0].uri)
    assert len(to_rows(page.raw).posts) == 7
    assert bsky.logins == 1 and sessions == [bsky.session] and bsky.session != forged


@pytest.mark.network
def test_a_wrong_password_is_one_clear_error_without_the_password(bsky_network, thread, bsky_account):
    bsky = BlueskyCollector(pds_url=bsky_network.pds_url, appview_url=None,
                            handle=bsky_account.handle, password="not-the-password-123")
    with pytest.raises(BlueskyError) as caught:
        list(bsky.fetch_thread(thread.posts[0].uri))
    message = str(caught.value)
    assert message.startswith(f"bluesky: login as {bsky_account.handle} at {bsky_network.pds_url} refused: 401")
    assert "not-the-password-123" not in message and "\n" not in message


@pytest.mark.network
def test_account_and_list_sources(bsky_network, thread):
    from atproto import models

    with collector(bsky_network, thread.bob) as bsky:
        source = SimpleNamespace(name="alice", kind="account", target=f"@{thread.alice.handle}", options={})
        pages = list(bsky.fetch(source, None))
        ids = [p["id"] for page in pages for p in to_rows(page.raw).posts]
        assert sorted(ids) == sorted(f"bsky:{r.uri}" for r in thread.posts)
        (page,) = bsky.fetch(source, pages[-1].state)
        assert page.raw["feed"] == []

        # Alice's list with Bob on it: its feed is Bob's posts.
        a = bsky_network.login(thread.alice)
        now = a.get_current_time_iso()
        made = a.app.bsky.graph.list.create(thread.alice.did, models.AppBskyGraphList.Record(
            name="ml4sci", purpose="app.bsky.graph.defs#curatelist", created_at=now))
        a.app.bsky.graph.listitem.create(thread.alice.did, models.AppBskyGraphListitem.Record(
            list=made.uri, subject=thread.bob.did, created_at=now))
        bsky_network.barrier()
        rkey = made.uri.rsplit("/", 1)[1]
        url = f"https://bsky.app/profile/{thread.alice.handle}/lists/{rkey}"
        listed = list(bsky.fetch(SimpleNamespace(name="l", kind="list", target=url, options={}), None))
    posts = {p["id"] for page in listed for p in to_rows(page.raw).posts}
    assert {f"bsky:{thread.bob_three.uri}", f"bsky:{thread.bob_root.uri}"} <= posts


@pytest.mark.network
def test_parse_ref_resolves_handles_on_the_network(bsky_network, thread):
    rkey = thread.posts[1].uri.rsplit("/", 1)[1]
    expected = f"at://{thread.alice.did}/app.bsky.feed.post/{rkey}"
    for ref in (f"https://bsky.app/profile/{thread.alice.handle}/post/{rkey}",
                f"at://{thread.alice.handle}/app.bsky.feed.post/{rkey}"):
        assert parse_ref(ref, resolver_url=bsky_network.pds_url) == expected
    with pytest.raises(ValueError, match="cannot resolve Bluesky handle 'nobody-here.test'"):
        parse_ref(f"https://bsky.app/profile/nobody-here.test/post/{rkey}", resolver_url=bsky_network.pds_url)


@pytest.mark.network
def test_an_appview_that_refuses_anonymous_search_falls_back_to_the_pds(bsky_network, thread, http_server):
    http_server.route("/xrpc/app.bsky.feed.searchPosts", status=403,
                      headers={"Content-Type": "application/json"}, body='{"error":"Forbidden"}')
    with collector(bsky_network, thread.alice, appview_url=http_server.url("")) as bsky:
        pages = list(bsky.fetch(search(thread.word), None))
    assert len(to_rows(pages[0].raw).posts) == 7
    assert len(http_server.requests) == 1 and bsky.logins == 1  # refused once, then the PDS


# -- offline: parse_ref, plans, rate limits -------------------------------------------------
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"


@pytest.mark.parametrize("ref", [
    f"https://bsky.app/profile/{DID}/post/3k43tv4rft22g",
    f"https://bsky.app/profile/{DID}/post/3k43tv4rft22g/",
    f"http://www.bsky.app/profile/{DID}/post/3k43tv4rft22g?ref_src=embed",
    f"at://{DID}/app.bsky.feed.post/3k43tv4rft22g",
    f"bsky:at://{DID}/app.bsky.feed.post/3k43tv4rft22g",
    f"  https://bsky.app/profile/{DID.replace(':', '%3A')}/post/3k43tv4rft22g  ",
])
def test_parse_ref_accepts_urls_and_uris(ref):
    def no_lookup(handle: str) -> str:
        raise AssertionError("a DID needs no lookup")

    assert parse_ref(ref, resolve_handle=no_lookup) == f"at://{DID}/app.bsky.feed.post/3k43tv4rft22g"


@pytest.mark.parametrize("ref, message", [
    ("https://example.com/profile/x/post/abc", "not a Bluesky post reference: 'https://example.com"),
    ("", "not a Bluesky post reference: ''"),
    (f"at://{DID}/app.bsky.feed.like/3k43tv4rft22g", "an at:// URI of a app.bsky.feed.like, not of a app.bsky.feed.post"),
    (f"https://bsky.app/profile/{DID}/feed/whats-hot", "is a Bluesky feed link, not a post link"),
    ("https://bsky.app/profile/not_a_handle/post/abc", "'not_a_handle' is neither a handle nor a DID"),
    (f"https://bsky.app/profile/{DID}/post/a%20b", "'a b' is not a valid record key"),
])
def test_parse_ref_rejects_what_is_not_a_post(ref, message):
    with pytest.raises(ValueError) as caught:
        parse_ref(ref, resolve_handle=lambda h: DID)
    assert message in str(caught.value)


def test_source_plans_and_their_errors():
    resolve = {"alice.test": DID}.__getitem__
    plan = harvest_plan(search("protein folding", lang="en"), resolve_handle=resolve, max_pages=10)
    assert (plan.nsid, plan.params, plan.chronological) == (
        "app.bsky.feed.searchPosts", {"q": "protein folding", "sort": "latest", "lang": "en"}, True)
    feed = SimpleNamespace(name="f", kind="feed", target="https://bsky.app/profile/alice.test/feed/science", options={"max_pages": 2})
    plan = harvest_plan(feed, resolve_handle=resolve, max_pages=10)
    assert (plan.params, plan.chronological, plan.max_pages) == (
        {"feed": f"at://{DID}/app.bsky.feed.generator/science"}, False, 2)
    bad = SimpleNamespace(name="s", kind="search", target="x", options={"filter": "posts"})
    with pytest.raises(BadReference, match="source 's': unknown option\\(s\\) filter for a Bluesky search"):
        list(BlueskyCollector(pds_url="http://127.0.0.1:9", appview_url=None, handle="h", password="p").fetch(bad, None))


def test_an_option_the_api_refuses_is_one_clear_error_before_any_request(http_server):
    bsky = offline(http_server, FakeTime())
    with pytest.raises(BlueskyError, match="^bluesky: source 'bsky-test': bad parameters for app.bsky.feed.searchPosts"):
        list(bsky.fetch(search("x", sort=5), None))
    assert http_server.requests == [] and bsky.requests == 0


def answer(body: dict[str, Any], status: int = 200, **headers: str):
    from tests.support.http_server import Answer

    return Answer(status, {"Content-Type": "application/json", **headers}, json.dumps(body).encode())


class FakeTime:
    def __init__(self) -> None:
        self.now, self.slept = 1_750_000_000.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def offline(http_server, time: FakeTime, **policy: Any) -> BlueskyCollector:
    # Straight to the loopback "AppView": no login is needed for reads.
    return BlueskyCollector(pds_url=http_server.url(""), appview_url=http_server.url(""), handle="h.test",
                            password="p", policy=Policy(clock=time.clock, sleeper=time.sleep, **policy))


def test_a_429_waits_until_ratelimit_reset_then_retries(http_server, search_body):
    time = FakeTime()
    http_server.sequence("/xrpc/app.bsky.feed.searchPosts", [
        answer({"error": "RateLimitExceeded"}, 429, **{"ratelimit-reset": str(int(time.now) + 30)}),
        answer({**search_body, "cursor": None}),
    ])
    pages = list(offline(http_server, time).fetch(search("x"), None))
    assert time.slept == [30.0] and pages[0].requests == 2
    assert len(to_rows(pages[0].raw).posts) == len(search_body["posts"])


def test_a_429_beyond_the_policy_raises_rate_limited_without_sleeping(http_server):
    time = FakeTime()
    http_server.route("/xrpc/app.bsky.feed.searchPosts", status=429, headers={
        "Content-Type": "application/json", "ratelimit-reset": str(int(time.now) + 3600)}, body="{}")
    with pytest.raises(RateLimited) as caught:
        list(offline(http_server, time, max_wait=60).fetch(search("x"), None))
    assert time.slept == [] and caught.value.retry_at == "2025-06-15T16:06:40Z"


def test_a_used_up_window_is_waited_out_before_the_next_page(http_server, search_body):
    time = FakeTime()
    http_server.sequence("/xrpc/app.bsky.feed.searchPosts", [
        answer({**search_body, "cursor": "next"}, **{"ratelimit-remaining": "0", "ratelimit-reset": str(int(time.now) + 12)}),
        answer({"posts": []}),
    ])
    pages = list(offline(http_server, time).fetch(search("x"), None))
    assert [len(p.raw["posts"]) for p in pages] == [len(search_body["posts"]), 0] and time.slept == [12.0]


def test_server_errors_are_retried_with_backoff_then_reported(http_server):
    time = FakeTime()
    http_server.route("/xrpc/app.bsky.feed.searchPosts", status=502, headers={"Content-Type": "application/json"},
                      body='{"error":"UpstreamFailure","message":"Upstream service unreachable"}')
    with pytest.raises(BlueskyError, match="searchPosts failed 4 times: 502 UpstreamFailure"):
        list(offline(http_server, time, retries=3, backoff=1).fetch(search("x"), None))
    assert time.slept == [1, 2, 4]


# -- offline: to_rows on bodies recorded from the local network ------------------------------
@pytest.fixture
def search_body() -> dict[str, Any]:
    return json.loads((FIXTURES / "searchPosts.json").read_text(encoding="utf-8"))


@pytest.fixture
def thread_body() -> dict[str, Any]:
    return json.loads((FIXTURES / "getPostThread.json").read_text(encoding="utf-8"))


# The thread in the recorded bodies (tests/fixtures/bluesky/record.py wrote it).
REC_ALICE = Account(handle="aliceadbb989117.test", password="", did="did:plc:is6bhv2kn7juodo7y2qbvdoe")
REC_BOB = Account(handle="bob30efb966ee.test", password="", did="did:plc:ojaubr65qvudsehbrg32yxyj")


def recorded_thread() -> SampleThread:
    def ref(account: Account, rkey: str) -> SimpleNamespace:
        return SimpleNamespace(uri=f"at://{account.did}/app.bsky.feed.post/{rkey}")

    posts = [ref(REC_ALICE, k) for k in ("3n3bp6xbbxc25", "3n3bp6xbqm225", "3n3bp6xc2ek25", "3n3bp6xcf4c25", "3n3bp6xd4kc25")]
    bob_three, bob_root = ref(REC_BOB, "3n3bp6xdm6c25"), ref(REC_BOB, "3n3bp6xebns25")
    texts = {r.uri: t for r, t in zip([*posts, bob_three, bob_root], sample_texts("recb5041307"))}
    return SampleThread("recb5041307", REC_ALICE, REC_BOB, posts, bob_three, bob_root, texts)


def views_by_uri(body: Any) -> dict[str, Any]:
    """Every object with a "uri" and a "record" in a body: the post views."""
    found: dict[str, Any] = {}
    if isinstance(body, dict):
        if "uri" in body and "record" in body:
            found[body["uri"]] = body
        for value in body.values():
            found.update(views_by_uri(value))
    elif isinstance(body, list):
        for value in body:
            found.update(views_by_uri(value))
    return found


def test_to_rows_flattens_a_recorded_thread_in_reading_order(thread_body):
    rec = recorded_thread()
    # The AppView lists the root's replies newest first; reading order puts Alice's own first.
    assert [r["post"]["uri"] for r in thread_body["thread"]["replies"]] == [rec.bob_root.uri, rec.posts[1].uri]
    rows = to_rows(thread_body)
    assert without_raw(rows.posts) == expected_posts(rec)
    views = views_by_uri(thread_body)
    assert [json.loads(p["raw"]) for p in rows.posts] == [views[p["id"][len("bsky:"):]] for p in rows.posts]
    assert rows.links == expected_links(rec)
    assert [(t["id"], t["title"]) for t in rows.threads] == [
        (f"bsky:{rec.posts[0].uri}", "Thread 1/5 🧪 数据科学 recb5041307: arxiv.org/abs/2401.00001 🚀")]
    assert [(a["id"], a["handle"]) for a in rows.authors] == [
        (f"bsky:{REC_ALICE.did}", REC_ALICE.handle), (f"bsky:{REC_BOB.did}", REC_BOB.handle)]
    assert rows.skipped == []


def test_to_rows_reads_a_recorded_search_newest_first(search_body):
    rows = to_rows(search_body)
    assert without_raw(rows.posts) == expected_posts(recorded_thread())[::-1]
    assert rows.links == expected_links(recorded_thread())[::-1]


def test_malformed_items_are_skipped_with_a_warning_naming_them(search_body, caplog):
    clean = to_rows(search_body)
    body = copy.deepcopy(search_body)
    no_author = copy.deepcopy(body["posts"][0])
    del no_author["author"]
    bad_uri = {**copy.deepcopy(body["posts"][1]), "uri": "https://example.com/not-a-uri"}
    no_text = copy.deepcopy(body["posts"][2])
    no_text["record"].pop("text")
    body["posts"][1:1] = [no_author, "not a post", bad_uri, no_text]
    with caplog.at_level(logging.WARNING, logger="collectors.bluesky_rows"):
        rows = to_rows(body)
    assert rows.posts == clean.posts and rows.links == clean.links
    assert rows.skipped == [
        f"skipped malformed Bluesky post at posts[1] ({no_author['uri']}): no author.did",
        "skipped malformed Bluesky post at posts[2]: expected a post view object, got str",
        ("skipped malformed Bluesky post at posts[3] (https://example.com/not-a-uri): "
         "uri 'https://example.com/not-a-uri' is not at://<did>/app.bsky.feed.post/<rkey>"),
        f"skipped malformed Bluesky post at posts[4] ({no_text['uri']}): no record.text",
    ]
    assert [r.getMessage() for r in caplog.records] == rows.skipped


def test_a_malformed_reply_is_skipped_and_a_deleted_one_is_absent(thread_body):
    rec = recorded_thread()
    body = copy.deepcopy(thread_body)
    second = body["thread"]["replies"][1]  # Alice's post 2
    del second["replies"][0]["post"]["author"]  # post 3: its replies stay
    body["thread"]["replies"][0] = {"$type": "app.bsky.feed.defs#notFoundPost", "uri": rec.bob_root.uri, "notFound": True}
    rows = to_rows(body)
    kept = [p for p in expected_posts(rec) if p["id"] not in (f"bsky:{rec.posts[2].uri}", f"bsky:{rec.bob_root.uri}")]
    assert without_raw(rows.posts) == kept
    assert rows.skipped == [
        f"skipped malformed Bluesky post at thread.replies[1].replies[0] ({rec.posts[2].uri}): no author.did"]


def test_feed_items_bring_their_reply_context_and_reposts(thread_body):
    rec = recorded_thread()
    views = views_by_uri(thread_body)
    p = [views[r.uri] for r in rec.posts]
    feed = {"feed": [
        {"post": p[4], "reply": {"root": p[0], "parent": p[3]}},
        {"post": p[1], "reason": {"$type": "app.bsky.feed.defs#reasonRepost", "by": views[rec.bob_root.uri]["author"],
                                   "indexedAt": "2025-03-01T12:01:00.000Z"}},
        {"post": p[3], "reply": {"root": p[0], "parent": {"$type": "app.bsky.feed.defs#blockedPost",
                                                           "uri": rec.posts[2].uri, "blocked": True}}},
    ], "cursor": "abc"}
    rows = to_rows(feed)
    assert [r["id"] for r in rows.posts] == [f"bsky:{rec.posts[i].uri}" for i in (0, 3, 4, 1)]
    assert rows.skipped == [] and [t["id"] for t in rows.threads] == [f"bsky:{rec.posts[0].uri}"]


def test_to_rows_names_a_body_it_cannot_read():
    with pytest.raises(ValueError, match="no 'posts', 'feed' or 'thread' \\(keys: error, message\\)"):
        to_rows({"error": "NotFound", "message": "Post not found"})
    with pytest.raises(ValueError, match="expected a JSON object, got list"):
        to_rows([])
