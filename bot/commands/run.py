"""Provide ``bot run``."""

from __future__ import annotations

import click


@click.command()
@click.option("--once", is_flag=True, help="Run every job that is due once, then exit (for cron).")
@click.option("--backfill", is_flag=True, help="On the first start, post the issues already in the feed too.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one JSON object per line, for log collectors.")
@click.pass_obj
def run(app, once, backfill, log_format) -> None:
    """Harvest on schedule and post each new issue after its review window.

    One long-running process: the feed is polled (conditional GET), a new issue is stored,
    composed and posted once [post].review_delay has passed unless it is held (bot hold),
    and each [[sources]] entry is harvested at its interval. On the first start, issues
    already in the feed are recorded as seen, not posted (unless --backfill). SIGTERM or
    SIGINT finish the running job and exit.

    Example:

        bot run --once
    """
    import logging

    from bot.log import setup_logging

    setup_logging(level=logging.DEBUG if app.debug else logging.INFO, fmt=log_format,
                  secrets=app.settings.secret_values())
    if once:
        from bot.runner import Runner
        from bot.scheduler import acquire_run_lock

        lock = acquire_run_lock(app.settings.db_path)  # never beside a running bot run
        try:
            results = Runner(app.db, app.settings, backfill=backfill).run_once()
        finally:
            lock.close()
        failed = [r for r in results if r.status != "ok"]
        for result in results:
            counts = " ".join(f"{k}={v}" for k, v in result.counts.items())
            click.echo(f"{result.job:24} {result.status:6} {result.duration_ms:6d} ms  {counts}"
                       + (f"  {result.error}" if result.error else ""))
        if failed:
            raise click.ClickException(f"{len(failed)} of {len(results)} jobs failed: "
                                       + "; ".join(f"{r.job}: {r.error}" for r in failed))
        return
    from bot.scheduler import run_forever

    run_forever(app.settings, app.db, config=app.config, backfill=backfill)
