"""Provide the pure parts of writing a Bluesky thread in one ``applyWrites`` call.

Each post's record key (a TID) is chosen and each record's CID computed on the client, so a
reply can reference its parent before either exists, and a retry with the same keys either
succeeds or finds the very same records already there.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import random
from collections.abc import Sequence
from typing import Any

import msgspec

POST = "app.bsky.feed.post"
_B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"


def tid(micros: int, clock_id: int) -> str:
    """A timestamp identifier: 53 bits of microseconds and 10 bits of clock id, base32-sortable."""
    value = (micros << 10) | (clock_id & 0x3FF)
    return "".join(_B32_SORTABLE[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def cid_for(record: dict[str, Any]) -> str:
    """CIDv1 (dag-cbor, sha2-256) of a record exactly as the PDS will store it."""
    import libipld  # ships with atproto

    digest = hashlib.sha256(libipld.encode_dag_cbor(_links_to_cids(record))).digest()
    raw = bytes([0x01, 0x71, 0x12, 0x20]) + digest
    return "b" + base64.b32encode(raw).decode("ascii").lower().rstrip("=")


def _links_to_cids(value: Any) -> Any:
    """JSON ``{"$link": "bafy..."}`` becomes a binary CID, which libipld encodes as a CBOR link."""
    if isinstance(value, dict):
        if set(value) == {"$link"}:
            text = value["$link"]
            return base64.b32decode(text[1:].upper() + "=" * (-len(text[1:]) % 8))
        return {key: _links_to_cids(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_links_to_cids(item) for item in value]
    return value


def created_at(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class PlannedRecord(msgspec.Struct, frozen=True):
    """One post of the thread, fixed before anything is written."""

    rkey: str
    uri: str
    cid: str
    record: dict[str, Any]


def plan_records(
    texts: Sequence[tuple[str, list[dict[str, Any]]]],
    *,
    did: str,
    now: dt.datetime,
    langs: Sequence[str],
    card: dict[str, Any] | None = None,
    rng: random.Random | None = None,
) -> list[PlannedRecord]:
    """Build the thread's records: ``texts`` is ``[(text, facets), ...]`` in order.

    ``card`` (an ``app.bsky.embed.external#external`` object, thumb blob included) goes on
    the first post. Replies reference the root and their parent by URI and computed CID.
    """
    rng = rng or random.Random()
    base_micros = int(now.timestamp() * 1_000_000)
    clock_id = rng.randrange(1024)
    stamp = created_at(now)
    planned: list[PlannedRecord] = []
    for position, (text, facets) in enumerate(texts):
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": stamp}
        if langs:
            record["langs"] = list(langs)
        if facets:
            record["facets"] = facets
        if position == 0 and card:
            record["embed"] = {"$type": "app.bsky.embed.external", "external": card}
        if planned:
            record["reply"] = {
                "$type": "app.bsky.feed.post#replyRef",
                "root": _strong_ref(planned[0]),
                "parent": _strong_ref(planned[-1]),
            }
        rkey = tid(base_micros + position, clock_id)
        planned.append(
            PlannedRecord(
                rkey=rkey, uri=f"at://{did}/{POST}/{rkey}", cid=cid_for(record), record=record
            )
        )
    return planned


def _strong_ref(planned: PlannedRecord) -> dict[str, str]:
    # The SDK adds these $types when it serialises; the CID must be computed with them in.
    return {"$type": "com.atproto.repo.strongRef", "uri": planned.uri, "cid": planned.cid}


def external_card(
    *, uri: str, title: str, description: str, thumb: dict[str, Any] | None
) -> dict[str, Any]:
    card: dict[str, Any] = {
        "$type": "app.bsky.embed.external#external",
        "uri": uri,
        "title": title,
        "description": description,
    }
    if thumb:
        card["thumb"] = thumb
    return card


def post_url(handle: str, rkey: str) -> str:
    return f"https://bsky.app/profile/{handle}/post/{rkey}"
