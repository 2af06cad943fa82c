"""Provide :class:`RedditServer`: a fake Reddit API that replays praw's recorded cassettes.

Recordings come from ``tests/fixtures/recorded/praw`` (praw's own integration cassettes,
JSON). The server answers the token endpoint like Reddit's client-credentials grant, and
every answer carries Reddit's rate-limit headers: ``x-ratelimit-used``, ``-remaining`` and
``-reset`` (seconds until the 10-minute window ends, on the server's clock). Synthetic
listings reuse recorded submissions with varied ids (see SOURCE.txt).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.common import RECORDED, FakeServer, Reply, Request

WINDOW = 600
LIMIT = 1000
TOKEN_PATH = "/api/v1/access_token"


class RedditServer(FakeServer):
    """A fake ``oauth.reddit.com`` + ``www.reddit.com`` on one loopback port."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.used = 0
        token = next(i for i in load_cassette("TestSubredditListings.test_new.json") if i["path"] == TOKEN_PATH)
        self.route("POST", TOKEN_PATH, Reply(body=token["body"]))

    def extra_headers(self, request: Request, reply: Reply) -> dict[str, str]:
        if request.path == TOKEN_PATH:
            return {}
        self.used += 1
        now = self.clock()
        headers = {
            "x-ratelimit-used": str(self.used),
            "x-ratelimit-remaining": f"{max(0, LIMIT - self.used):.1f}",
            "x-ratelimit-reset": str(int(WINDOW - now % WINDOW)),
        }
        headers.update(reply.headers)
        return headers

    def serve_cassette(self, name: str, *, only: Callable[[dict[str, Any]], bool] | None = None) -> list[Reply]:
        """Serve a cassette's API interactions: GETs by path, ``morechildren`` by ``children``."""
        replies = []
        for interaction in load_cassette(name):
            if interaction["path"] == TOKEN_PATH or (only and not only(interaction)):
                continue
            reply = Reply(body=interaction["body"], status=interaction["status"], name=f"{name}:{interaction['path']}")
            match: dict[str, Any] = {}
            if interaction["path"].endswith("/api/morechildren/"):
                match = {"children": interaction["form"]["children"]}
                reply.name += f"?children={match['children']}"
            self.route(interaction["method"], interaction["path"], reply, match=match)
            replies.append(reply)
        return replies

    def serve_listing(self, path: str, things: list[dict[str, Any]]) -> None:
        """Answer ``path`` like a Reddit listing over ``things`` (newest first): limit, after."""
        self.route("GET", path, handler=_lister(things))


def load_cassette(name: str) -> list[dict[str, Any]]:
    """A praw cassette's interactions: method, path, query, form, status, body text."""
    data = json.loads((RECORDED / "praw" / name).read_text(encoding="utf-8"))
    out = []
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        parts = urlsplit(request["uri"])
        form = dict(parse_qsl(request["body"])) if isinstance(request.get("body"), str) else {}
        out.append(
            {
                "method": request["method"],
                "path": parts.path,
                "query": dict(parse_qsl(parts.query)),
                "form": form,
                "status": response["status"]["code"],
                "body": response["body"]["string"],
            }
        )
    return out


def recorded_json(name: str, path: str) -> Any:
    """The parsed body a cassette recorded for ``path``."""
    for interaction in load_cassette(name):
        if interaction["path"] == path:
            return json.loads(interaction["body"])
    raise KeyError(f"{name} has no {path}")


def synthetic_submissions(count: int, *, newest_utc: float = 1_700_000_000.0) -> list[dict[str, Any]]:
    """``count`` t3 things (newest first) built from the recorded r/askreddit listing."""
    template = recorded_json("TestSubredditListings.test_new.json", "/r/askreddit/new")
    shapes = template["data"]["children"]
    things = []
    for n in range(count):
        thing = copy.deepcopy(shapes[n % len(shapes)])
        data = thing["data"]
        sid = _base36(10_000_000 + count - n)
        data.update(
            id=sid, name=f"t3_{sid}", created_utc=newest_utc - 60 * n, created=newest_utc - 60 * n,
            title=f"Synthetic question {n} about graph neural networks for chemistry",
            permalink=f"/r/askreddit/comments/{sid}/synthetic_question_{n}/",
            selftext=f"See https://arxiv.org/abs/2402.{n:05d} for details" if n % 2 else "",
            score=n % 100, num_comments=n % 9, author=f"redditor{n % 40}",
        )
        things.append(thing)
    return things


def _lister(things: list[dict[str, Any]]) -> Callable[[Request], Reply]:
    names = [t["data"]["name"] for t in things]

    def answer(request: Request) -> Reply:
        limit = int(request.query.get("limit", 25))
        after = request.query.get("after")
        start = names.index(after) + 1 if after in names else 0
        page = things[start:start + limit]
        end = start + len(page)
        body = {
            "kind": "Listing",
            "data": {
                "modhash": "", "children": page, "before": None,
                "after": names[end - 1] if page and end < len(things) else None,
            },
        }
        return Reply(body=body)

    return answer


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"
