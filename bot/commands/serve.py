"""Provide ``bot serve``."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default=None, help="Address to listen on (default: [serve].host, 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: [serve].port, 8731).")
@click.pass_obj
def serve(app, host, port) -> None:
    """Open the review page: edit each pending issue's posts, then save, approve or hold.

    The threads show as cards that look like the posts will, each text editable with a live
    length counter (measured by the server with the same rules as bot preview). Saving
    stores the same draft as bot draft --apply. It listens on 127.0.0.1 unless told
    otherwise; anywhere else it needs BOT_SERVE_TOKEN, and the page then asks for it.

    Example:

        bot serve --port 8731
    """
    from bot.errors import ConfigError
    from bot.review.security import is_loopback

    settings = app.settings
    host = host or settings.serve_host
    port = settings.serve_port if port is None else port
    token = settings.optional("BOT_SERVE_TOKEN")
    loopback = is_loopback(host)
    if not loopback and not token:
        raise ConfigError(f"bot serve on {host} needs a token: set BOT_SERVE_TOKEN (or listen on 127.0.0.1)")
    app.db  # noqa: B018 - create and migrate the database before the first request
    import uvicorn

    from bot.review.app import create_app

    where = f"http://{host}:{port}/"
    click.echo(f"Review page: {where}" + ("?token=<BOT_SERVE_TOKEN>" if token else "") + "  (Ctrl-C stops)")
    uvicorn.run(create_app(settings, token=token, loopback=loopback), host=host, port=port,
                log_level="warning", access_log=False, lifespan="off", server_header=False)
