"""Provide ``bot draft``: write an issue's threads to a file, edit it, store it as the text to post."""

from __future__ import annotations

from pathlib import Path

import click

from bot.commands.options import issue_options, parse_pick


@click.command()
@click.argument("source", required=False)
@issue_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the draft file here (default: stdout).")
@click.option("--apply", "apply_file", type=click.Path(dir_okay=False, exists=True),
              help="Validate this edited file and store it as the issue's text.")
@click.option("--edit", is_flag=True, help="Open the draft in $EDITOR and store it on save.")
@click.option("--discard", is_flag=True,
              help="Drop the stored draft of SOURCE (an issue number, guid or URL, as bot hold takes).")
@click.pass_obj
def draft(app, source, platform, pick, highlights, url, entry, output, apply_file, edit, discard) -> None:
    """Edit an issue's posts before they go out: write, edit and store its draft.

    bot draft SOURCE -o FILE writes each platform's posts in order (the text verbatim, its
    story and limit); bot draft --apply FILE measures every post again by the platforms'
    rules and stores it, or refuses it whole, naming the post that does not fit. From then
    on bot preview, bot post and bot run use the stored draft (and say so). --edit does both
    in $EDITOR. SOURCE is what bot preview takes; --pick starts again from a new selection.

    Example:

        bot draft examples/ml4sci-33.txt -o draft.txt
        bot draft --apply draft.txt
        bot draft --edit examples/ml4sci-33.txt
    """
    from bot.drafts import DraftError

    modes = [name for name, on in (("--apply", apply_file), ("--edit", edit), ("--discard", discard)) if on]
    if len(modes) > 1:
        raise DraftError(f"use one of {' and '.join(modes)} at a time")
    if apply_file:
        if source:
            raise DraftError("--apply FILE takes no SOURCE: the file names its issue")
        _apply(app, Path(apply_file).read_text(encoding="utf-8"), name=apply_file)
    elif discard:
        _discard(app, source)
    else:
        _write(app, source, platform=platform, pick=pick, highlights=highlights, url=url,
               entry=entry, output=output, edit=edit)


def _start(app, source, *, platform, pick, highlights, url, entry):
    """The issue and the posts to start from: the stored draft, else the composed threads
    (a fresh composition when --pick or --highlights asks for one)."""
    from bot.drafts import store
    from bot.resolve import resolve_issue

    issue = resolve_issue(app, source, url=url, entry=entry)
    wanted = list(platform or app.settings.platforms)
    picked = parse_pick(pick)
    if picked or highlights is not None:
        from bot.compose.plan import plan_threads

        threads = plan_threads(issue, app.settings, platforms=wanted, pick=picked, count=highlights)
        return issue, store.posts_of(threads), None
    planned = store.plan(app.db, issue, app.settings, platforms=wanted)
    return issue, store.posts_of(planned.threads), planned.draft_saved_at


def _write(app, source, *, platform, pick, highlights, url, entry, output, edit) -> None:
    from bot.drafts import textfile

    issue, posts, saved = _start(app, source, platform=platform, pick=pick, highlights=highlights,
                                 url=url, entry=entry)
    from bot.newsletter.store import save_issue

    save_issue(app.db, issue)  # --apply finds the issue by the key the file names
    text = textfile.write(issue, posts, stored=saved)
    if edit:
        _edit(app, text)
        return
    counts = ", ".join(f"{p} {len(v)} posts" for p, v in posts.items())
    if not output or output == "-":
        click.echo(text, nl=False)
        return
    Path(output).write_text(text, encoding="utf-8")
    origin = f"the stored draft of {saved}" if saved else "as composed"
    click.echo(f"wrote {output}: {_label(issue)}, {counts} ({origin}). "
               f"Edit it, then: bot draft --apply {output}")


def _edit(app, text: str) -> None:
    import tempfile

    from bot.drafts import DraftError

    with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="ml4sci-draft-", delete=False,
                                     encoding="utf-8") as fh:
        fh.write(text)
        path = Path(fh.name)
    click.edit(filename=str(path))
    edited = path.read_text(encoding="utf-8")
    if edited == text:
        path.unlink()
        click.echo("no change: nothing stored")
        return
    try:
        _apply(app, edited, name="the edited draft")
    except DraftError as exc:
        raise DraftError(f"{exc} (your edit is kept in {path}: bot draft --apply {path} once fixed)") from None
    path.unlink()


def _apply(app, text: str, *, name: str) -> None:
    from bot.drafts import DraftError, store, textfile
    from bot.newsletter.store import load_issue

    key, posts = textfile.parse(text, name=name)
    issue = load_issue(app.db, key)
    if issue is None:
        raise DraftError(f"{name} is for issue {key}, which this database has not seen "
                         "(write the file with bot draft SOURCE -o FILE using this --db)")
    saved = store.save(app.db, issue, posts, app.settings)
    counts = ", ".join(f"{p} {len(v)} posts" for p, v in posts.items())
    if not saved.changed:
        click.echo(f"no change to the stored draft of {_label(issue)} ({counts})")
        return
    click.echo(f"stored the draft of {_label(issue)}: {counts}; bot preview, bot post and bot run use it now")
    if saved.approval_withdrawn:
        click.echo(f"its approval is withdrawn (the text changed): bot approve {_ref(issue)} again")
    for warning in saved.warnings:
        click.echo(f"warning: {warning}", err=True)


def _discard(app, source) -> None:
    from bot.drafts import DraftError, store
    from bot.holds import resolve_issue_key

    if not source:
        raise DraftError("--discard needs the issue: bot draft --discard 33")
    key = resolve_issue_key(app.db, source)
    dropped = store.discard(app.db, key)
    click.echo(f"dropped the draft of {key} ({dropped} posts): posting goes back to the composed thread"
               if dropped else f"{key} has no stored draft")


def _label(issue) -> str:
    return f"issue #{issue.number}" if issue.number is not None else f"issue {issue.key}"


def _ref(issue) -> str:
    return str(issue.number) if issue.number is not None else issue.key
