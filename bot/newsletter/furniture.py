"""Provide :func:`remove_furniture`: page chrome and boilerplate out before stories are cut.

What a page, a feed entry or an email carries around the stories, and what must never reach a
post: bylines, dates, like/comment/restack counters, share/subscribe/comment buttons and
prompts, "View in browser", email headers, nav bars, footnotes and their markers, embeds that
did not render, greetings and welcome paragraphs, sign-offs and everything after them, sponsor
and ad blocks. Each rule is a shape of text seen across newsletters (Substack, beehiiv,
Buttondown, Ghost, Mailchimp, plain-text email), not a phrase of one issue; a long paragraph is
content even when it mentions subscribing.
"""

from __future__ import annotations

import re

from bot.newsletter.blocks import Block, Break, EmbedBlock, Heading, Para

MAX_CHROME = 160  # a paragraph longer than this is never chrome, whatever it says
MAX_ASK = 400

_I = re.IGNORECASE
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    rf"^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}(?:[ T][\d:.+Z-]+)?|{_MONTH}\s+\d{{4}})$",
    _I,
)
_COUNTER = re.compile(
    r"^(?:[\d.,]+[km]?(?:\s*(?:likes?|comments?|restacks?|shares?|views?|replies|hearts?))?\s*)+$", _I
)
_READ_TIME = re.compile(r"^\d+\s*(?:min(?:ute)?s?|hours?)\s*(?:read|listen)\b", _I)
_BYLINE = re.compile(r"^(?:by|written by|posted by|from)\s+[\w.'’-]+(?:\s+[\w.'’-]+){0,4}\s*$", _I)
_EMAIL_HEADER = re.compile(r"^(?:from|to|cc|bcc|subject|date|reply-to|sent|list-unsubscribe)\s*:\s*\S", _I)
# Whole-paragraph chrome: buttons, prompts, app and browser links, unrendered embeds.
_CHROME = re.compile(
    r"^\W*(?:share|share this (?:post|issue|newsletter|email)|share \S+(?: \S+)?|subscribe(?: now)?"
    r"|subscribed|sign up(?: now)?|sign in|log in|upgrade to paid|give a gift subscription|restack"
    r"|leave a comment|comment|comments|discussion about this post|read in app|open in app"
    r"|get the app|download the app|view (?:this )?(?:email |post |issue )?(?:in|on) (?:your |the )?(?:browser|web)"
    r"|view online|read online|read on the web|listen now|listen to this (?:post|episode)|play"
    r"|ready for more\??|like|liked|reply|unsubscribe|manage (?:your )?(?:preferences|subscription)"
    r"|update your preferences|forward to a friend|forwarded this email\?.*|was this forwarded to you\?.*"
    r"|sorry, that'?s not currently available\.?|this (?:post|tweet) is unavailable\.?|loading\W*"
    r"|image|photo|previous|next|home|archive|about|top|new|community|more|menu|search"
    r"|table of contents|contents|advertisement|sponsored|ad|\d+\s*/\s*\d+|press enter or click to view.*"
    r"|tl;?dr:?|you'?re (?:on the free list|a free subscriber).*|thanks for reading\b.{0,120}subscribe.*"
    r")\W*(?:https?://\S+\W*)?$",
    _I,
)
# Asks and prompts anywhere in a short paragraph: a reader is asked to do something.
_ASK = re.compile(
    r"\bforward(?:ed)? (?:it|this)\b|\bsubscribe (?:here|now|for free|to (?:the|my|our|this)\b)"
    r"|\bclick here to subscribe\b|\bsend (?:us|me) a\s*(?:❤|♥|heart)|\bshare (?:this (?:post|issue)|it with)\b"
    r"|\b(?:is|are) a reader-supported publication\b|\bbecome a (?:free or )?paid subscriber\b"
    r"|\bconsider (?:becoming a|upgrading to) (?:paid )?subscri|\bupgrade to (?:a )?paid\b"
    r"|\bleave a comment\b|\blet (?:me|us) know\b|\bhit reply\b|\bdrop (?:me|us) a (?:line|note)\b"
    r"|\breply to this email\b|\byour turn\b|\bwhat do you think\?|\bjoin the (?:discussion|conversation)\b"
    r"|\bfollow (?:me|us) on\b|\bfind (?:me|us) on\b|\bsupport (?:my|our|this) work\b|\bpledge your support\b"
    r"|\bview (?:this )?(?:email|post|issue) in (?:your |the )?browser\b|\bunsubscribe\b"
    r"|\bmanage (?:your )?(?:preferences|subscription)\b|\byou(?:'re| are) receiving this\b"
    r"|\bcopyright ©|©\s*\d{4}|\ball rights reserved\b|\bprivacy policy\b|\bpowered by\b"
    # Community newsletters ask for contributions the same way every week.
    r"|\bis (?:openly|collaboratively) (?:developed|written|edited)\b|\bhow to contribute\b"
    r"|\bcontribute to (?:this|the|our)\b|\bopen (?:a|an) (?:pr|pull request|issue)\b|\bsend (?:us|me) a (?:pr|pull request)\b"
    r"|\bif you (?:find|spot|notice|see) (?:any )?(?:errors?|mistakes?|typos?)\b|\bwould not be possible without\b"
    r"|^\W*(?:or )?follow (?:us |me )?on\b|\bsubmit (?:a|your) (?:link|story|item|news|tip)s?\b"
    r"|\bsend (?:us|me) (?:a |your )?(?:links?|tips?|stories|news)\b|\bkeep sending (?:me|us)\b"
    r"|\blisten (?:on|in) (?:apple podcasts|spotify|youtube|overcast|pocket casts)\b|\bwherever you get your podcasts\b",
    _I,
)
# A heading over the newsletter's own asks: its whole section goes.
_ASK_HEADING = re.compile(
    r"^\W*(?:want to |how to |ways to |help us )?(?:contribut\w*|support (?:us|me|this|the)\w*|subscrib\w*|follow (?:us|me)"
    r"|get involved|sponsor(?:ship|s)?|donat\w*|become a (?:member|patron|supporter))\b",
    _I,
)
_GREETING = re.compile(
    r"^\W*(?:hi|hello|hey|howdy|greetings|dear|good (?:morning|afternoon|evening|day)|happy \w+day"
    r"|welcome(?: back)?(?: to)?|thanks for (?:subscribing|signing up|joining))\b",
    _I,
)
_WELCOME = re.compile(r"\bwelcome to (?:the |this |issue |edition |another |our |my )?.{0,60}(?:issue|edition|newsletter|week|roundup)\b", _I)
_SIGN_OFF = re.compile(
    r"^\W*(?:thanks?(?: you)?(?: so much| again)? for reading|that'?s (?:all|it) for (?:this|today|now|the)"
    r"|until next (?:time|week|issue)|see you next (?:time|week)|till next time|happy reading"
    r"|have a (?:great|good|nice|wonderful) (?:week|weekend|day))\b",
    _I,
)
# A bare valediction ("Cheers," "Best, Nathan"): only as the whole paragraph.
_VALEDICTION = re.compile(
    r"^\W*(?i:cheers|best(?: wishes| regards)?|warmly|yours(?: truly)?|talk soon|stay safe|peace|onwards?|-\s*\w+)"
    r"\W*(?:[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){0,3})?\W*$",
)
_SPONSOR = re.compile(
    r"^\W*(?:sponsor(?:ed)?(?: by| content| message| post)?|this (?:issue|week'?s issue|newsletter|edition) is "
    r"(?:sponsored|brought to you|supported) by|brought to you by|presented by|together with|in partnership with"
    r"|partner(?:ed)? (?:content|message|post)|advertis(?:e|ing|ement)|\[?(?:ad|sponsor|sponsored)\]|a word from our sponsors?)\b",
    _I,
)
# An editor's note on a section or issue, not news: "This section brings you...".
_ABOUT_SECTION = re.compile(
    r"^\W*(?:this|in this|the following) (?:section|part|column)\b|^\W*(?:below|here) (?:are|is) (?:this week'?s|the|our) (?:roundup|links|list|highlights)\b",
    _I,
)
_FOOTNOTE_MARK = re.compile(r"(?<=\S)\[\d{1,3}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+")
_SEPARATOR = re.compile(r"^[\W_]{0,3}$|^(?:[-*_=~•·.#]\s*){3,}$")
# Compiled on first use (re's own cache): only a short paragraph made of links asks.
_SOCIAL = (
    r"^https?://(?:www\.)?(?:twitter\.com|x\.com|facebook\.com|linkedin\.com|instagram\.com|youtube\.com"
    r"|threads\.net|bsky\.app|mastodon\.\w+|t\.me|tiktok\.com)/?[^/]*/?$"
)
_NAV_WORDS = 4


def is_chrome(text: str) -> bool:
    """A whole paragraph that is page or email chrome (a button, a date, a counter, a byline)."""
    text = text.strip()
    if not text or len(text) > MAX_CHROME:
        return False
    return bool(
        _CHROME.match(text)
        or _DATE.match(text)
        or _COUNTER.match(text)
        or _READ_TIME.match(text)
        or _BYLINE.match(text)
        or _EMAIL_HEADER.match(text)
        or _SEPARATOR.match(text)
    )


def is_ask(text: str) -> bool:
    """A short share/subscribe/comment ask or an email footer line."""
    return len(text) <= MAX_ASK and bool(_ASK.search(text))


def is_greeting(text: str) -> bool:
    return len(text) <= MAX_ASK and bool(_GREETING.match(text) or _WELCOME.search(text))


def is_sign_off(text: str) -> bool:
    return (len(text) <= 120 and bool(_SIGN_OFF.match(text))) or (
        len(text) <= 40 and bool(_VALEDICTION.match(text))
    )


def is_sponsor(text: str) -> bool:
    return bool(_SPONSOR.match(text))


def is_nav(para: Para) -> bool:
    """A bar of short links ("Home | Archive | About", a row of social icons): links and
    separators, no words of its own."""
    if para.lead:
        return False
    links = [link for link in para.links if link.text or link.image]
    if len(links) < 3:
        return bool(para.links) and all(re.match(_SOCIAL, link.url, _I) for link in para.links) and len(para.text) <= 40
    if not all(len(link.text.split()) <= _NAV_WORDS for link in links):
        return False
    rest = para.text
    for link in sorted(links, key=lambda link: -link.start):
        if link.start >= 0:
            rest = rest[: link.start] + " " + rest[link.end :]
    return not re.search(r"[^\W\d_]{2,}", rest)


def strip_markers(text: str) -> str:
    """Footnote markers out of running text ("a claim[3]", "a claim²")."""
    return _FOOTNOTE_MARK.sub("", text)


def remove_furniture(blocks: list[Block]) -> tuple[list[Block], list[str]]:
    """The blocks without furniture, and a note per kind of thing removed (for ``--explain``)."""
    kept: list[Block] = []
    removed: list[str] = []
    sponsor_section = False
    last = len(blocks)
    for position, block in enumerate(blocks):
        if isinstance(block, Heading):
            text = block.text.strip()
            if not text:  # an empty "####": a separator
                sponsor_section = False
                kept.append(Break())
                continue
            if is_sign_off(text) and position > last // 2:
                removed.append(f"sign-off {text[:40]!r} and what follows")
                break
            if is_sponsor(text) or _is_footnotes(text) or _ASK_HEADING.match(text) or (is_chrome(text) and not block.links):
                sponsor_section = True  # its section goes with it
                removed.append(f"section {text[:40]!r}")
                continue
            sponsor_section = False
            kept.append(block)
            continue
        if sponsor_section:
            continue
        if isinstance(block, Para):
            text = block.text.strip()
            if is_sign_off(text) and position > last // 2:
                removed.append(f"sign-off {text[:40]!r} and what follows")
                break
            reason = _para_furniture(block)
            if reason:
                removed.append(reason)
                continue
        kept.append(block)
    return _trim_intro(kept, removed), removed


def _para_furniture(para: Para) -> str:
    text = para.text.strip()
    if not text and not para.links:
        return "empty"
    if is_chrome(text):
        return f"chrome {text[:40]!r}"
    if is_ask(text):
        return f"ask {text[:40]!r}"
    if is_sponsor(text):
        return f"sponsor {text[:40]!r}"
    if _is_byline(para):
        return f"byline {text[:40]!r}"
    if is_nav(para):
        return f"nav bar {text[:40]!r}"
    if text.startswith(("Continue reading", "Read the full", "Read more on")) and len(text) < 80:
        return f"chrome {text[:40]!r}"
    if _ABOUT_SECTION.match(text) and len(text) <= MAX_ASK:
        return f"section note {text[:40]!r}"
    return ""


def _is_byline(para: Para) -> bool:
    """An author's name on their profile link ("Nathan Lambert", "Jane Doe and Ann Roe")."""
    from bot.newsletter.linkkinds import link_kind

    words = para.text.split()
    return (
        0 < len(words) <= 8
        and bool(para.links)
        and all(link_kind(link.url) in ("profile", "subscribe", "share", "app") for link in para.links)
    )


def _is_footnotes(text: str) -> bool:
    """Footnotes, and an episode's show notes: chapters, timestamps, the transcript."""
    return text.strip().lower().rstrip(":") in (
        "footnotes", "notes", "references", "endnotes", "chapters", "timestamps", "transcript",
        "show notes", "episode transcript", "full transcript",
    )


def _trim_intro(blocks: list[Block], removed: list[str]) -> list[Block]:
    """Greetings and welcome paragraphs before the first heading or story go."""
    out: list[Block] = []
    intro = True
    for block in blocks:
        if intro and isinstance(block, Para) and is_greeting(block.text):
            removed.append(f"greeting {block.text[:40]!r}")
            continue
        if isinstance(block, (Heading, EmbedBlock)) or (isinstance(block, Para) and (block.lead or block.list_item)):
            intro = False
        out.append(block)
    return out
