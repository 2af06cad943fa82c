"""Provide :class:`MastodonServer`: a fake Mastodon instance that one account posts to and reads.

Recordings come from ``tests/fixtures/recorded/mastodon`` (Mastodon.py's own cassettes,
recorded against a real Mastodon 4.x server; see SOURCE.txt). As the real server does:

* ``POST /api/v1/statuses`` (bearer token, form body) makes a status shaped like the recorded
  create answer, its HTML made from the text as Mastodon makes it (paragraphs, ``<br />``,
  links with the visible part in spans). An ``Idempotency-Key`` seen within the last hour is
  answered with the status it made then, and nothing new is made. 422 for a text over
  ``max_characters`` (every URL 23) or a reply to a status that does not exist.
* ``GET /api/v1/accounts/verify_credentials``, ``/lookup`` and ``/api/v2/instance`` from the
  recordings;
  ``GET /api/v1/accounts/:id/statuses`` newest first with ``since_id``/``max_id``/``min_id``,
  ``limit`` and ``Link`` headers; ``GET /api/v1/statuses/:id`` and ``/context`` from the
  statuses it holds. 401 without the right token.
* Every answer carries ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (an ISO time: the
  end of the current 5-minute window on the server's clock); ``post_limit`` creates per window,
  then 429.
* Scripted faults on the n-th create: ``hold`` (made, answer held until released: kill the
  client meanwhile), ``drop`` (made, connection closed), ``503`` (nothing made), ``429``.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import json
import re
import threading
from dataclasses import dataclass
from typing import Any

import yaml

from tests.fakes.common import RECORDED, CreateFaults, FakeServer, Reply, Request

WINDOW = 300
KEY_LIFETIME = 3600  # seconds the server answers a repeated Idempotency-Key with its status
TOKEN = "fake-mastodon-token"
CREATE_FAULTS = ("hold", "drop", "503", "429")
ACCOUNT_STATUSES = re.compile(r"/api/v1/accounts/(\d+)/statuses")
STATUS = re.compile(r"/api/v1/statuses/(\d+)")
CONTEXT = re.compile(r"/api/v1/statuses/(\d+)/context")
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def load_cassette(name: str) -> list[dict[str, Any]]:
    """A Mastodon.py cassette's interactions: method, path, query, status, headers, body text."""
    from urllib.parse import parse_qsl, urlsplit

    data = yaml.safe_load((RECORDED / "mastodon" / name).read_text(encoding="utf-8"))
    out = []
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        parts = urlsplit(request["uri"])
        out.append({
            "method": request["method"], "path": parts.path.rstrip("/") or "/",
            "query": dict(parse_qsl(parts.query)), "status": response["status"]["code"],
            "headers": {k.lower(): v[0] for k, v in response["headers"].items()},
            "body": response["body"]["string"],
        })
    return out


def recorded(name: str, method: str, path: str) -> dict[str, Any]:
    return next(i for i in load_cassette(name) if i["method"] == method and i["path"] == path)


def iso_z(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def mastodon_html(text: str) -> str:
    """Plain text as Mastodon renders a status: escaped, <p> per paragraph, links in spans."""
    def link(match: re.Match[str]) -> str:
        url = match.group(0)
        scheme, _, rest = url.partition("://")
        shown, hidden = rest[:30], rest[30:]
        return (f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" translate="no">'
                f'<span class="invisible">{scheme}://</span>'
                f'<span class="{"ellipsis" if hidden else ""}">{html.escape(shown)}</span>'
                f'<span class="invisible">{html.escape(hidden)}</span></a>')

    paragraphs = []
    for paragraph in text.split("\n\n"):
        pieces, last = [], 0
        for match in _URL.finditer(paragraph):
            pieces.append(html.escape(paragraph[last:match.start()], quote=True).replace("\n", "<br />"))
            pieces.append(link(match))
            last = match.end()
        pieces.append(html.escape(paragraph[last:], quote=True).replace("\n", "<br />"))
        paragraphs.append(f"<p>{''.join(pieces)}</p>")
    return "".join(paragraphs)


@dataclass
class Status:
    id: str
    text: str  # as submitted
    in_reply_to: str | None
    body: dict[str, Any]  # the JSON the server answers with


class MastodonServer(CreateFaults, FakeServer):
    """A fake instance with one account; inspect ``statuses``, ``creates`` and ``keys_seen``."""

    CREATE_FAULTS = CREATE_FAULTS

    def __init__(self, *, post_limit: int = 300, max_characters: int = 500, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.post_limit = post_limit
        self.max_characters = max_characters
        self.statuses: list[Status] = []  # oldest first
        self.creates = 0
        self.keys_seen: list[str | None] = []
        self.refused: list[tuple[str, int]] = []
        self._init_faults()
        self._keys: dict[str, tuple[float, Status]] = {}
        self._window: tuple[int, int] = (0, 0)
        self._sequence = 117_020_600_000_000_000
        self._posting = threading.Lock()
        self._create_shape = json.loads(recorded("test_status_post[None-public].yaml", "POST", "/api/v1/statuses")["body"])
        self.account = json.loads(recorded("test_verify_credentials.yaml", "GET", "/api/v1/accounts/verify_credentials")["body"])
        self.instance = json.loads(recorded("test_instance.yaml", "GET", "/api/v2/instance")["body"])
        self.route("POST", "/api/v1/statuses", handler=self._create)
        self.route("GET", "/api/v1/accounts/verify_credentials", handler=self._me)
        self.route("GET", "/api/v2/instance", handler=self._instance)
        self.route("GET", "/api/v1/accounts/lookup", handler=self._lookup)
        self.route("GET", ACCOUNT_STATUSES, handler=self._account_statuses)
        self.route("GET", CONTEXT, handler=self._context)
        self.route("GET", STATUS, handler=self._status)

    def env(self) -> dict[str, str]:
        return {"MASTODON_BASE_URL": self.base_url, "MASTODON_ACCESS_TOKEN": TOKEN}

    # -- scripting -----------------------------------------------------------------------
    def stop(self) -> None:
        self.release()
        super().stop()

    def serve_recording(self, name: str, path: str, *, match: dict[str, Any] | None = None,
                        at: str | None = None) -> Reply:
        """Answer GET ``path`` (or ``at``) with a cassette's recorded body and headers (checked as used)."""
        interaction = recorded(name, "GET", path)
        headers = {k: v for k, v in interaction["headers"].items() if k in ("link",)}
        reply = Reply(body=interaction["body"], status=interaction["status"], headers=headers, name=f"{name}:{path}")
        route = self.route("GET", at or path, reply, match=match)
        self.routes.remove(route)  # before the handlers: a recording wins over the held statuses
        self.routes.insert(0, route)
        return reply

    def add_status(self, text: str, *, reply_to: str | None = None) -> Status:
        """A status the account posted by other means (by hand)."""
        with self._posting:
            return self._store(text, reply_to, language="en", visibility="public")

    def chain(self) -> list[Status]:
        """The account's statuses from the first top-level one down its single reply chain."""
        by_parent: dict[str | None, list[Status]] = {}
        for status in self.statuses:
            by_parent.setdefault(status.in_reply_to, []).append(status)
        chain = by_parent[None][:1]
        while by_parent.get(chain[-1].id):
            replies = by_parent[chain[-1].id]
            assert len(replies) == 1, f"{chain[-1].id} has {len(replies)} replies"
            chain.append(replies[0])
        return chain

    def endpoint_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for request in self.requests:
            path = ACCOUNT_STATUSES.sub("/api/v1/accounts/:id/statuses", request.path.rstrip("/"))
            path = CONTEXT.sub("/api/v1/statuses/:id/context", path)
            path = STATUS.sub("/api/v1/statuses/:id", path)
            counts[f"{request.method} {path}"] = counts.get(f"{request.method} {path}", 0) + 1
        return counts

    # -- headers on every answer ---------------------------------------------------------
    def extra_headers(self, request: Request, reply: Reply) -> dict[str, str]:
        now = self.clock()
        end = (int(now) // WINDOW + 1) * WINDOW
        used = self._window[1] if self._window[0] == end else 0
        headers = {"x-ratelimit-limit": str(self.post_limit),
                   "x-ratelimit-remaining": str(max(0, self.post_limit - used)),
                   "x-ratelimit-reset": iso_z(end)}
        headers.update(reply.headers)
        return headers

    # -- endpoints -----------------------------------------------------------------------
    def _authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {TOKEN}"

    def _create(self, request: Request) -> Reply:
        with self._posting:
            self.creates += 1
            fault = self._faults.pop(self.creates, None)
            key = request.headers.get("idempotency-key")
            self.keys_seen.append(key)
            if not self._authorised(request):
                return Reply(body={"error": "The access token is invalid"}, status=401)
            now = self.clock()
            if key and key in self._keys and now - self._keys[key][0] < KEY_LIFETIME:
                return Reply(body=self._keys[key][1].body)  # the status made the first time
            limited = self._limited(now, fault)
            if limited:
                return limited
            if fault == "503":
                return Reply(body={"error": "Service Unavailable"}, status=503)
            text = request.form.get("status", "")
            parent = request.form.get("in_reply_to_id") or None
            if parent and not any(s.id == parent for s in self.statuses):
                return self._refuse(text, 404, "Record not found")
            if self._length(text) > self.max_characters:
                return self._refuse(text, 422, f"Validation failed: Text character limit of {self.max_characters} exceeded")
            status = self._store(text, parent, language=request.form.get("language"),
                                 visibility=request.form.get("visibility"))
            if key:
                self._keys[key] = (now, status)
        reply = Reply(body=status.body)
        if fault == "hold":
            reply.hold = self.release_event
        elif fault == "drop":
            reply.drop = True
        return reply

    def _limited(self, now: float, fault: str | None) -> Reply | None:
        end = (int(now) // WINDOW + 1) * WINDOW
        used = self._window[1] if self._window[0] == end else 0
        if fault == "429" or used >= self.post_limit:
            return Reply(body={"error": "Too many requests"}, status=429,
                         headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": iso_z(end)})
        self._window = (end, used + 1)
        return None

    def _length(self, text: str) -> int:
        return len(_URL.sub("x" * 23, text))

    def _refuse(self, text: str, status: int, error: str) -> Reply:
        self.refused.append((text, status))
        return Reply(body={"error": error}, status=status)

    def _store(self, text: str, parent: str | None, *, language: str | None, visibility: str | None) -> Status:
        self._sequence += 1
        status_id = str(self._sequence)
        body = copy.deepcopy(self._create_shape)
        username = self.account["username"]
        parent_status = next((s for s in self.statuses if s.id == parent), None)
        body.update(
            id=status_id, created_at=iso_z(self.clock()), content=mastodon_html(text),
            in_reply_to_id=parent, in_reply_to_account_id=self.account["id"] if parent else None,
            url=f"{self.base_url}/@{username}/{status_id}",
            uri=f"{self.base_url}/ap/users/{self.account['id']}/statuses/{status_id}",
            language=language, visibility=visibility or "public", replies_count=0, card=None,
        )
        body["account"] = copy.deepcopy(self.account)
        status = Status(status_id, text, parent, body)
        self.statuses.append(status)
        if parent_status:
            parent_status.body["replies_count"] += 1
        return status

    def _me(self, request: Request) -> Reply:
        if not self._authorised(request):
            return Reply(body={"error": "The access token is invalid"}, status=401)
        return Reply(body=self.account)

    def _lookup(self, request: Request) -> Reply:
        if request.query.get("acct", "").lower() != self.account["username"].lower():
            return Reply(body={"error": "Record not found"}, status=404)
        return Reply(body=self.account)

    def _instance(self, request: Request) -> Reply:
        body = copy.deepcopy(self.instance)
        body["configuration"]["statuses"]["max_characters"] = self.max_characters
        return Reply(body=body)

    def _account_statuses(self, request: Request) -> Reply:
        if not self._authorised(request):
            return Reply(body={"error": "The access token is invalid"}, status=401)
        account_id = ACCOUNT_STATUSES.fullmatch(request.path.rstrip("/")).group(1)  # type: ignore[union-attr]
        if account_id != str(self.account["id"]):
            return Reply(body={"error": "Record not found"}, status=404)
        query = request.query
        limit = min(int(query.get("limit", 20)), 40)
        newest_first = sorted(self.statuses, key=lambda s: -int(s.id))
        chosen = [s for s in newest_first
                  if ("since_id" not in query or int(s.id) > int(query["since_id"]))
                  and ("max_id" not in query or int(s.id) < int(query["max_id"]))
                  and ("min_id" not in query or int(s.id) > int(query["min_id"]))]
        page = chosen[-limit:] if "min_id" in query else chosen[:limit]
        headers = {}
        if page:
            base = f"{self.base_url}{request.path}"
            headers["link"] = (f'<{base}?max_id={page[-1].id}>; rel="next", '
                               f'<{base}?min_id={page[0].id}>; rel="prev"')
        return Reply(body=[s.body for s in page], headers=headers)

    def _status(self, request: Request) -> Reply:
        found = self._find(STATUS.fullmatch(request.path.rstrip("/")).group(1))  # type: ignore[union-attr]
        return Reply(body=found.body) if found else Reply(body={"error": "Record not found"}, status=404)

    def _context(self, request: Request) -> Reply:
        found = self._find(CONTEXT.fullmatch(request.path.rstrip("/")).group(1))  # type: ignore[union-attr]
        if found is None:
            return Reply(body={"error": "Record not found"}, status=404)
        ancestors, cursor = [], found
        while cursor.in_reply_to and (parent := self._find(cursor.in_reply_to)):
            ancestors.insert(0, parent.body)
            cursor = parent
        descendants, frontier = [], [found.id]
        while frontier:
            children = [s for s in self.statuses if s.in_reply_to in frontier]
            descendants.extend(s.body for s in children)
            frontier = [s.id for s in children]
        return Reply(body={"ancestors": ancestors, "descendants": descendants})

    def _find(self, status_id: str) -> Status | None:
        return next((s for s in self.statuses if s.id == status_id), None)
