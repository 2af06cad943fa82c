"""Provide the Hypothesis strategies the fuzz tests share: mutated real documents and bodies.

Real inputs get further than random ones (a random string is rarely a feed), so most examples
start from a fixture and break it: text cut, duplicated, spliced with hostile snippets (deep
nesting, ``javascript:`` links, NUL, bidi marks, ZWJ emoji, huge numbers); JSON with any value
swapped for any other JSON value or dropped.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

#: snippets that broke, or could break, a reader or a transform
HOSTILE = [
    "<div>" * 600, "</p>" * 50, "<a href=\"javascript:alert(1)\">x</a>", "javascript:alert(1)",
    "<link>javascript:alert(1)</link>", "data:text/html,<b>x</b>", "\x00", "\ufeff", "\u202e",
    "\u200d", "👨‍👩‍👧‍👦" * 40, "🇯🇵", "e\u0301" * 200, "&#0;", "&#xFFFFFFFF;", "&amp;&lt;&gt;",
    "]]>", "<![CDATA[", "<?xml version='1.0' encoding='latin-1'?>", "<rss version=\"2.0\">",
    "<feed xmlns=\"http://www.w3.org/2005/Atom\">", "# ", "\n- ", "[x](", "](javascript:x)",
    "https://e.example/" + "a" * 5000, "http://", "https:///x", "http://[::1", "\r\n" * 30,
    "🤯 " + "word " * 400, "x" * 3000, "{", "[" * 2000, "\"", "\\u0000", "-9e999999",
    "99999999999999999999999", "<script>", "<img src=x onerror=1>", "<br/>" * 300,
]

_JSON_LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
    st.sampled_from(HOSTILE),
)
JSON_VALUE = st.recursive(
    _JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mutated_text(draw: st.DrawFn, original: str) -> str:
    """``original`` with a few cuts, duplications and hostile insertions."""
    text = original
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not text:
            text = draw(st.sampled_from(HOSTILE))
            continue
        start = draw(st.integers(min_value=0, max_value=len(text)))
        end = draw(st.integers(min_value=start, max_value=min(len(text), start + 2000)))
        op = draw(st.sampled_from(["cut", "dup", "hostile", "random", "truncate"]))
        if op == "cut":
            text = text[:start] + text[end:]
        elif op == "dup":
            text = text[:end] + text[start:end] * draw(st.integers(1, 5)) + text[end:]
        elif op == "hostile":
            text = text[:start] + draw(st.sampled_from(HOSTILE)) + text[start:]
        elif op == "random":
            text = text[:start] + draw(st.text(max_size=30)) + text[end:]
        else:
            text = text[:start]
    return text


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value[:8]):
            found += _paths(inner, (*prefix, index))
    return found


@st.composite
def mutated_json(draw: st.DrawFn, original: Any) -> Any:
    """``original`` (parsed JSON) with a few values replaced by any JSON value, or dropped."""
    body = copy.deepcopy(original)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = _paths(body)
        path = draw(st.sampled_from(paths))
        if not path:
            body = draw(JSON_VALUE)
            continue
        parent = body
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(JSON_VALUE)
    return body


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
