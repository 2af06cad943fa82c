"""Provide the harvest pipeline: sources -> collectors -> store, one result per source.

``harvest`` runs each selected source's fetch -> transform -> save loop and records a
``harvest_runs`` row; a source that hits a rate limit stops cleanly (its pages and state are
kept) and says when to try again, and the other sources still run. ``load_file`` replays a
saved API body through the same transform and save; ``fetch_thread`` saves one whole thread.
Platforms live in a registry; each collector module is imported only when it is used.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import msgspec
from sqlite_utils import Database

from bot import platforms
from bot.errors import BotError, ConfigError, InputError
from bot.settings import Settings, Source

log = logging.getLogger(__name__)



class SourceResult(msgspec.Struct):
    """What one source's run did; the CLI prints one table row per result."""

    source: str
    platform: str
    pages: int = 0
    posts_seen: int = 0
    posts_new: int = 0
    requests: int = 0
    skipped: int = 0
    status: str = "ok"  # ok, rate-limited, error, interrupted
    message: str = ""
    retry_at: str | None = None
    warnings: list[str] = msgspec.field(default_factory=list)
    reads: int = 0  # resources the platform charges for (X: posts and users returned)
    cost_usd: float = 0.0


class Budget(msgspec.Struct):
    """A platform's daily harvest budget (``[harvest] <platform>_max_cost_per_day``), shared
    by its sources in one run: what was spent today before the run, and since."""

    platform: str
    limit: float
    spent: float = 0.0

    @property
    def used_up(self) -> bool:
        return self.spent >= self.limit

    def message(self, pages: int) -> str:
        from bot.costs import usd

        return (f"stopped at [harvest] {self.platform}_max_cost_per_day = {usd(self.limit)} "
                f"({usd(self.spent)} spent today, UTC); kept its {pages} pages and its state: it "
                "resumes tomorrow (UTC) or with a higher budget")


Progress = Callable[[SourceResult], None]


# -- collectors from the platform registry -------------------------------------------------
def make_collector(platform: str, settings: Settings, db: Database, *, policy: Any = None) -> Any:
    """Build a platform's collector from settings; a missing credential is a one-line error."""
    factory = platforms.get(platform, harvesting=True).collector
    assert factory is not None
    return factory(settings, db, policy or make_policy(settings))


def make_policy(settings: Settings, *, sleeper: Callable[[float], None] | None = None) -> Any:
    """The run's rate-limit policy; ``[harvest] max_wait`` and ``max_total_wait`` in bot.toml.

    ``bot run`` passes a ``sleeper`` that a SIGTERM interrupts, so a stop never waits out a
    rate limit.
    """
    from bot.timeutil import parse_duration
    from collectors.ratelimit import Policy

    table = settings.raw.get("harvest") or {}
    bounds: dict[str, Any] = {}
    for key in ("max_wait", "max_total_wait"):
        if key in table:
            bounds[key] = parse_duration(table[key], name=f"harvest.{key}").total_seconds()
    if sleeper is not None:
        bounds["sleeper"] = sleeper
    return Policy(**bounds)


def transformer(platform: str, settings: Settings) -> Callable[[Any], Any]:
    """The pure body -> rows function of a platform, with no credentials needed."""
    factory = platforms.get(platform, harvesting=True).transformer
    assert factory is not None
    return factory(settings)


# -- harvesting sources --------------------------------------------------------------------
def select_sources(settings: Settings, names: Iterable[str] = (), platform: str | None = None) -> list[Source]:
    """The sources to run: the named ones (each must exist), else all, filtered by platform."""
    names = list(names)
    sources = [settings.source(name) for name in names] if names else list(settings.sources)
    if platform:
        sources = [s for s in sources if s.platform == platform]
    if not sources:
        where = f" for platform {platform}" if platform else ""
        raise ConfigError(f"no sources to harvest{where}: add [[sources]] to bot.toml")
    return sources


def harvest(
    settings: Settings,
    db: Database,
    *,
    names: Iterable[str] = (),
    platform: str | None = None,
    policy: Any = None,
    progress: Progress | None = None,
) -> list[SourceResult]:
    """Run each selected source; credentials are checked for every platform before any request."""
    sources = select_sources(settings, names, platform)
    policy = policy or make_policy(settings)
    used = list(dict.fromkeys(s.platform for s in sources))
    collectors = {p: make_collector(p, settings, db, policy=policy) for p in used}
    pricing = {p: _pricing(settings, p) for p in used}
    budgets = {p: b for p in used if (b := budget(settings, db, p)) is not None}
    return [run_source(db, collectors[s.platform], s, progress=progress, price=pricing[s.platform],
                       budget=budgets.get(s.platform)) for s in sources]


Pricing = Callable[[Any, dict[str, int]], tuple[int, float]]


def _pricing(settings: Settings, platform: str) -> Pricing | None:
    record = platforms.get(platform)
    if record.read_price is None:
        return None
    options = settings.platform_options(platform)
    read_price = record.read_price
    return lambda rows, extra: read_price(rows, options, extra)


def budget(settings: Settings, db: Database, platform: str, *, now: Any = None) -> Budget | None:
    """``[harvest] <platform>_max_cost_per_day`` with what today's runs already spent."""
    from bot.timeutil import iso, utcnow

    key = f"{platform}_max_cost_per_day"
    limit = (settings.raw.get("harvest") or {}).get(key)
    if limit is None:
        return None
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit < 0:
        raise ConfigError(f"harvest.{key} in bot.toml must be US dollars >= 0, not {limit!r}")
    day = iso(now or utcnow())[:10]
    spent = spent_since(db, platform, f"{day}T00:00:00Z")
    return Budget(platform, float(limit), spent)


def spent_since(db: Database, platform: str, since: str) -> float:
    """What harvest runs on ``platform`` recorded spending since ``since`` (ISO UTC)."""
    row = next(db.query("SELECT COALESCE(SUM(cost_usd), 0) AS spent FROM harvest_runs"
                        " WHERE platform = ? AND started_at >= ?", [platform, since]))
    return float(row["spent"])


def run_source(db: Database, collector: Any, source: Source, *, progress: Progress | None = None,
               price: Pricing | None = None, budget: Budget | None = None) -> SourceResult:
    """Fetch, transform and save one source page by page, recording the run; a source on a
    platform that charges for reads stops when the day's ``budget`` is spent, keeping its pages
    and state (the next page is never asked for)."""
    from collectors.base import Interrupted, RateLimited
    from collectors.http import CollectorError
    from collectors.store import finish_run, harvest_writes, load_state, save_page, start_run

    result = SourceResult(source.name, source.platform)
    run_id = start_run(db, source=source.name, platform=source.platform)
    try:
        with harvest_writes(db):
            if budget is not None and budget.used_up:
                result.status, result.message = "budget", budget.message(0)
                return result
            for page in collector.fetch(source, load_state(db, source.name)):
                rows = collector.to_rows(page.raw)
                saved = save_page(db, rows, source=source.name, state=page.state, platform=source.platform)
                _count(result, page.requests, saved, rows.skipped)
                if price is not None:
                    reads, cost = price(rows, page.extra_reads)
                    result.reads += reads
                    result.cost_usd = round(result.cost_usd + cost, 6)
                    if budget is not None:
                        budget.spent = round(budget.spent + cost, 6)
                if progress:
                    progress(result)
                if budget is not None and budget.used_up:
                    result.status, result.message = "budget", budget.message(result.pages)
                    break
    except RateLimited as exc:
        result.status, result.message, result.retry_at = "rate-limited", str(exc), exc.retry_at
    except Interrupted as exc:
        result.status, result.message = "interrupted", str(exc)
    except CollectorError as exc:
        result.status, result.message = "error", str(exc)
    except BotError as exc:
        result.status, result.message = "error", str(exc)
    except Exception as exc:  # one source's bug or surprise must not stop the others
        log.debug("harvest of %s failed", source.name, exc_info=True)
        result.status, result.message = "error", f"unexpected {type(exc).__name__}: {exc}"
    except BaseException:
        result.status = "interrupted"
        raise
    finally:
        _finish(db, run_id, result, finish_run)
    return result


def _count(result: SourceResult, requests: int, saved: Any, skipped: list[str]) -> None:
    result.pages += 1
    result.requests += requests
    result.posts_seen += saved.posts_seen
    result.posts_new += saved.posts_new
    result.skipped += saved.skipped
    for warning in skipped:
        log.warning("%s: %s", result.source, warning)
    result.warnings.extend(skipped)


def _finish(db: Database, run_id: int, result: SourceResult, finish_run: Callable[..., None]) -> None:
    finish_run(
        db, run_id, status=result.status, pages=result.pages, posts_seen=result.posts_seen,
        posts_new=result.posts_new, requests=result.requests, skipped=result.skipped,
        errors=int(result.status == "error"), message=result.message or None, retry_at=result.retry_at,
        reads=result.reads, cost_usd=result.cost_usd,
    )


# -- saved bodies and single threads ---------------------------------------------------------
def load_file(settings: Settings, db: Database, *, platform: str, path: str | Path) -> SourceResult:
    """Run a saved API response body through the platform's transform and save."""
    from collectors.store import finish_run, save_page, start_run

    from collectors.shapes import body_platform

    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start}): not a saved API body") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not JSON: {exc}") from None
    except RecursionError:
        raise InputError(f"{path} is nested too deeply to be an API body") from None
    shape = body_platform(raw)
    if shape and shape[0] != platform:
        raise InputError(f"{path} is {shape[1]}, not {platform}: load it with --platform {shape[0]}")
    to_rows = transformer(platform, settings)
    result = SourceResult(f"load:{path.name}", platform)
    run_id = start_run(db, source=result.source, platform=platform)
    try:
        try:
            rows = to_rows(raw)
        except RecursionError:
            raise InputError(f"{path}: the body is nested too deeply to read") from None
        except (KeyError, TypeError, ValueError) as exc:  # the transform's "not this body"
            raise InputError(f"{path} is not a {platform} body: {exc}") from None
        if not rows.posts and not rows.skipped and not _empty_answer(raw):
            raise InputError(f"{path}: no {platform} posts in it (not a {platform} search, timeline or thread body)")
        if not rows.posts and rows.skipped:
            raise InputError(f"{path}: no {platform} posts in it ({rows.skipped[0]})")
        saved = save_page(db, rows, source=None, state=None, platform=platform)
        _count(result, 0, saved, rows.skipped)
    except BaseException as exc:
        result.status, result.message = "error", str(exc)
        raise
    finally:
        _finish(db, run_id, result, finish_run)
    return result


def _empty_answer(raw: Any) -> bool:
    """A body that is a real answer with nothing in it (a search with no results)."""
    if isinstance(raw, dict):
        meta = raw.get("meta")
        if isinstance(meta, dict) and meta.get("result_count") == 0:
            return True
        data = raw.get("data")
        return any(raw.get(key) == [] for key in ("data", "posts", "feed", "children")) or (
            raw.get("kind") == "Listing" and not (data.get("children") if isinstance(data, dict) else None)
        )
    return isinstance(raw, list) and all(_empty_answer(part) for part in raw)


def thread_platform(ref: str) -> str:
    """Which platform a thread URL (or at:// URI) belongs to, or a one-line error."""
    from bot.weburl import shown

    found = platforms.recognise(ref)
    if found is None:
        helps = [p.ref_help for p in platforms.registry() if p.ref_help]
        raise InputError(
            f"cannot recognise {shown(repr(ref))}: give {', '.join(helps[:-1])}, or {helps[-1]}"
        )
    return found.id


def fetch_thread(
    settings: Settings, db: Database, ref: str, *, policy: Any = None, include_replies: bool = False
) -> tuple[str, Any]:
    """Fetch one whole thread, save it, and return (platform, its rows).

    ``include_replies`` keeps everyone's replies on X (by default only the author's own chain);
    Reddit always brings the whole comment tree and Bluesky the whole thread.
    """
    from collectors.base import RateLimited, Rows
    from collectors.http import CollectorError
    from collectors.store import save_page

    platform = thread_platform(ref)
    collector = make_collector(platform, settings, db, policy=policy)
    if include_replies and hasattr(collector, "include_replies"):
        collector.include_replies = True
    everything = Rows()
    try:
        for page in collector.fetch_thread(ref.strip()):
            rows = collector.to_rows(page.raw)
            save_page(db, rows, source=None, state=None, platform=platform)
            everything.extend(rows)
    except (RateLimited, CollectorError) as exc:
        raise BotError(str(exc)) from None
    for warning in everything.skipped:
        log.warning("%s", warning)
    return platform, everything
