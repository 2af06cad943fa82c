"""X's posting helpers without a server: reading back what X returns (t.co links, entities)
and which 429 header says when X takes posts again (moved from test_publish_x.py)."""

from __future__ import annotations

import pytest

from bot.platforms.x.publish import resume_time, same_text


# -- pure functions ------------------------------------------------------------------------------
@pytest.mark.parametrize(("sent", "seen", "same"), [
    ("Read https://arxiv.org/abs/2101.00001 now 2/5", "Read https://t.co/AbCdEfGhIj now 2/5", True),
    ("A bare domain: arxiv.org/abs/1 counts", "A bare domain: https://t.co/AbCdEfGhIj counts", True),
    ("Q&A <live> on example.com.", "Q&amp;A &lt;live&gt; on https://t.co/AbCdEfGhIj.", True),
    ("Line one\n\nline two", "Line one\n\nline two", True),
    ("Cafe\u0301 menu", "Café menu", True),  # NFC on both sides
    ("Post 2/5", "Post 3/5", False),
    ("Read https://arxiv.org/abs/1 now", "Read now https://t.co/AbCdEfGhIj", False),
])
def test_same_text_matches_what_x_returns(sent, seen, same):
    assert same_text(sent, seen) is same


def test_resume_time_reads_the_limit_that_is_used_up():
    now = 1_700_000_000.0
    window = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": "1700000900",
              "x-user-limit-24hour-remaining": "40", "x-user-limit-24hour-reset": "1700050000"}
    assert resume_time(window, now=now) == ("2023-11-14T22:28:20Z", "X's 15-minute rate limit")
    cap = {"x-rate-limit-remaining": "99", "x-rate-limit-reset": "1700000900",
           "x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": "1700050000"}
    assert resume_time(cap, now=now) == ("2023-11-15T12:06:40Z", "X's 24-hour posting limit")
    both = {**cap, "x-rate-limit-remaining": "0"}
    assert resume_time(both, now=now)[0] == "2023-11-15T12:06:40Z"
    assert resume_time({"retry-after": "60"}, now=now) == ("2023-11-14T22:14:20Z", "X's rate limit")
    assert resume_time({}, now=now) == (None, "X's rate limit")
