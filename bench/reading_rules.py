"""The matching rules of bench/reading.py: tokens, headline matching, links, furniture.

bench/reading.py's docstring says what each rule means for the figures.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

GENERIC_FURNITURE = [
    "View in browser",
    "View this post on the web",
    "View this email in your browser",
    "Subscribe now",
    "Leave a comment",
    "Share this post",
    "Sorry, that's not currently available",
    "Read in app",
    "Unsubscribe",
]
STOP_WORDS = frozenset(
    "a an the and or of to in on for with by at from is are was be as it its this that".split()
)
LEAD_SLACK = 8  # tokens a post may put before the headline (emoji words, [Tag], "Also,", ...)
_URL = re.compile(r"https?://\S+|\b[\w-]+(?:\.[\w-]+)+/\S*")
_COUNTER = re.compile(r"\s*\d+/\d+\s*$")
_MONTHS = (
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
)
_DATE_LINE = re.compile(
    rf"^(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|{_MONTHS}\s+\d{{1,2}},?\s+\d{{4}}"
    rf"|\d{{1,2}}\s+{_MONTHS}\s+\d{{4}}|{_MONTHS}\s+\d{{4}})$",
    re.IGNORECASE,
)
_NUMBER_LINE = re.compile(r"^[\d.,kKmM]+$")


@dataclass
class Highlight:
    item: int | None
    text: str
    links: list[str]
    story: int | None = None  # index of the matched expected story
    duplicate_of: int | None = None  # the story another highlight already carries better
    link_ok: bool | None = None


# ---------------------------------------------------------------- normalisation


def tokens(text: str) -> list[str]:
    """The content words of ``text``: no URLs, punctuation, emoji or stop words."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _URL.sub(" ", text)
    words = re.findall(r"[^\W_]+", text)
    return [w for w in words if w not in STOP_WORDS]


def headline_score(headline: str, post_text: str) -> tuple[float, int] | None:
    """How well ``post_text`` carries ``headline``: (score, where it starts), or None.

    The headline must start within the post's first LEAD_SLACK tokens (room for an emoji word,
    a ``[Tag]`` or a short lead-in), so a paragraph that merely mentions a section's name is no
    match for that section.
    """
    head = tokens(headline)
    post = tokens(post_text)
    if not head or not post:
        return None
    n = len(head)
    for start in range(min(LEAD_SLACK + 1, len(post))):
        if post[start : start + n] == head:
            return 2.0 - 1.0 / (1 + n), start  # whole containment beats overlap; longer is surer
    if n <= 2:
        return None
    wanted = list(dict.fromkeys(head))[:12]
    starts = [i for i, w in enumerate(post) if w in wanted]
    if not starts or starts[0] > LEAD_SLACK:
        return None
    window = set(post[starts[0] : starts[0] + len(wanted) + LEAD_SLACK])
    share = sum(1 for w in wanted if w in window) / len(wanted)
    return (share, starts[0]) if share >= 0.6 else None


def match_stories(stories: list[dict], highlights: list[Highlight]) -> None:
    """Give each highlight its best story; a story keeps only its best highlight (the others
    are duplicates and count as no story)."""
    best: dict[int, tuple[tuple[float, int], int]] = {}
    for n, h in enumerate(highlights):
        scored = [(headline_score(s["headline"], h.text), i) for i, s in enumerate(stories)]
        scored = [(sc, i) for sc, i in scored if sc is not None]
        if not scored:
            continue
        (score, start), i = max(scored, key=lambda x: (x[0][0], -x[0][1], -x[1]))
        h.story = i
        key = (score, -start)
        if i not in best or key > best[i][0]:
            if i in best:
                highlights[best[i][1]].duplicate_of = i
            best[i] = (key, n)
        else:
            h.duplicate_of = i
    for h in highlights:
        if h.duplicate_of is not None:
            h.story = None


def norm_url(url: str) -> str:
    parts = urlsplit(url.strip())
    host = parts.netloc.lower().removeprefix("www.")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if not k.startswith("utm_")])
    return urlunsplit(("", host, parts.path.rstrip("/"), query, parts.fragment)).lstrip("/")


def norm_space(text: str) -> str:
    return " ".join(text.split())


def group_highlights(posts: list[dict]) -> list[Highlight]:
    out: list[Highlight] = []
    for post in posts:
        role = post.get("role")
        text = _COUNTER.sub("", post.get("text", ""))  # "4/7" is no word of the story
        if role == "highlight":
            out.append(Highlight(post.get("item"), text, list(post.get("links") or [])))
        elif role == "continuation" and out:
            out[-1].text += "\n" + text
            out[-1].links += list(post.get("links") or [])
        # other roles (opening, closing) end nothing: a continuation always follows its highlight
    return out



def find_leaks(threads: dict, furniture: list[str]) -> list[str]:
    """Furniture in the posts. The bot's own closing post may ask people to subscribe in its own
    words, so only the issue's own furniture strings are looked for there."""
    leaks = []
    everywhere = list(dict.fromkeys(furniture + GENERIC_FURNITURE))
    for platform, posts in threads.items():
        for n, post in enumerate(posts, 1):
            wanted = furniture if post.get("role") == "closing" else everywhere
            text = _COUNTER.sub("", post.get("text", ""))
            flat = norm_space(text).lower()
            for s in sorted(wanted, key=len, reverse=True):  # a longer string hides the ones inside it
                needle = norm_space(s).lower()
                count = flat.count(needle)
                leaks += [f"{platform} post {n}: {s!r}"] * count
                flat = flat.replace(needle, "\0")
            for line in text.splitlines():
                line = line.strip()
                if line and (_NUMBER_LINE.match(line) or _DATE_LINE.match(line)):
                    leaks.append(f"{platform} post {n}: line {line!r}")
    return leaks

