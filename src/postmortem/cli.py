"""The command line: parses arguments, calls the library, prints. Heavy imports stay inside commands."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import typer

from postmortem import __version__
from postmortem.errors import Interrupted, PostmortemError

app = typer.Typer(
    name="postmortem",
    help="Turn the end of a project into lessons a team acts on: interview, merge, report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _say(message: str) -> None:
    typer.echo(message, err=True)


@contextmanager
def _handled() -> Iterator[None]:
    """Bad input becomes one line on stderr and exit 2; Ctrl-C exit 130; never a traceback."""
    try:
        yield
    except PostmortemError as err:
        _say(f"postmortem: {err}")
        raise typer.Exit(err.exit_code) from None
    except Interrupted as err:
        _say(str(err))
        raise typer.Exit(err.exit_code) from None
    except (KeyboardInterrupt, EOFError):  # Ctrl-C, or Ctrl-D at a prompt
        _say("Interrupted.")
        raise typer.Exit(130) from None
    except BrokenPipeError:  # the reader went away (`postmortem formats | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    except OSError as err:
        where = f"{err.filename}: " if err.filename else ""
        _say(f"postmortem: {where}{err.strerror or err}")
        raise typer.Exit(2) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"postmortem {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Turn the end of a project into lessons a team acts on: interview, merge, report."""


def _read_answers(source: str) -> tuple[dict, str]:
    from postmortem import store

    if source == "-":
        return store.parse_toml(sys.stdin.buffer.read(store.MAX_BYTES + 1), "<stdin>"), "<stdin>"
    return store.read_toml(Path(source)), source


@app.command()
@_handled()
def start(
    directory: Path = typer.Argument(Path("."), help="The post-mortem folder (created when needed)."),
    project: Optional[str] = typer.Option(None, "--project", help="Project name, when creating the post-mortem."),
    format: Optional[str] = typer.Option(None, "--format", "-f", help="Question set id or .toml file, when creating."),
    date: Optional[str] = typer.Option(None, "--date", help="Date of the post-mortem (YYYY-MM-DD), when creating; default today."),
    name: Optional[str] = typer.Option(None, "--name", help="Your name, as the team knows you."),
    role: Optional[str] = typer.Option(None, "--role", help="Your role on the project."),
    answers: Optional[str] = typer.Option(None, "--answers", help="Take answers from a TOML file (- for stdin), no prompts."),
    no_input: bool = typer.Option(False, "--no-input", help="Never prompt; fail clearly on anything missing."),
) -> None:
    """Interview yourself for the post-mortem in DIRECTORY, creating it when there is none."""
    from postmortem import answers as answers_mod
    from postmortem import questionsets, respond, session as session_mod

    folder = directory
    existing = (folder / session_mod.SESSION_FILE).exists()
    session_date = answers_mod.parse_date(date, "--date") if date else None
    interactive = answers is None and not no_input
    if interactive:
        from postmortem import interview

        if not interview.can_prompt():
            raise PostmortemError(
                "standard input is not a terminal, so there is nobody to interview; "
                "run this in a terminal, or pass --answers FILE (- for stdin)"
            )
        with interview.terminal():
            if existing:
                session = session_mod.load_session(folder)
            else:
                if project is None:
                    project = interview.ask_text("Project name")
                if format is None:
                    choices = [f"{i}: {questionsets.load(i).description}" for i in questionsets.known_ids()]
                    default = next(c for c in choices if c.startswith("classic:"))
                    format = interview.ask_select("Question set", choices, default=default).split(":")[0]
                session = session_mod.create_session(folder, project, format, session_date)
                _say(f"Created {session.path} for {session.project!r} ({session.format}).")
            if name is None:
                name = interview.ask_text("Your name", validate=lambda t: bool(t.strip()) or "Please give a name")
            path, _ = respond.interview(session, name, role)
        _say(f"Thank you. Your answers are in {path}.")
        return

    if answers is None:
        raise PostmortemError("--no-input needs --answers FILE (- for stdin)")
    data, source = _read_answers(answers)
    if existing:
        session = session_mod.load_session(folder)
        qset = session.question_set()
    else:
        if not project:
            raise PostmortemError(f"no post-mortem in {folder} yet: give --project (and --format) to create it")
        qset = questionsets.load(format or "classic")
    response = respond.from_answers(data, qset, source, name, role)
    if not existing:
        session = session_mod.create_session(folder, project, format or "classic", session_date)
        _say(f"Created {session.path} for {session.project!r} ({session.format}).")
    path = session_mod.save_response(folder, response)
    _say(f"Saved {response.name}'s answers in {path}.")


@app.command()
@_handled()
def merge(directory: Path = typer.Argument(Path("."), help="The post-mortem folder.")) -> None:
    """Merge every response into record.toml, keeping ids and the facilitator's edits."""
    from postmortem import merge as merge_mod
    from postmortem import record as record_mod
    from postmortem import session as session_mod

    session = session_mod.load_session(directory)
    qset = session.question_set()
    responses = [session_mod.read_response(p, qset) for p in session_mod.response_paths(directory)]
    record_path = directory / session_mod.RECORD_FILE
    with record_mod.locked(record_path):
        previous = record_mod.load_record(record_path) if record_path.exists() else None
        record = merge_mod.build_record(session, qset, responses, previous)
        record_mod.save_record(record_path, record)
    drafts = merge_mod.drafts(responses)
    note = f"; {len(drafts)} unfinished draft(s) left out: {', '.join(drafts)}" if drafts and not session.anonymous else ""
    _say(f"Merged {record['participant_count']} response(s) into {record_path}{note}.")


@app.command()
@_handled()
def render(
    target: Path = typer.Argument(Path("."), help="The post-mortem folder, or a record.toml."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report here instead of stdout."),
    template: Optional[str] = typer.Option(
        None, "--template", "-t", help="Report template: a name (your templates folder, then the built-ins) or a .j2 file."
    ),
    to: str = typer.Option("markdown", "--to", help="markdown, or html for a standalone page (Confluence, email)."),
) -> None:
    """Render the merged record as a Markdown report (stdout unless -o)."""
    from postmortem import record as record_mod
    from postmortem import render as render_mod
    from postmortem import session as session_mod
    from postmortem import store

    path = target / session_mod.RECORD_FILE if target.is_dir() else target
    if target.is_dir() and not path.exists():
        raise PostmortemError(f"no {session_mod.RECORD_FILE} yet; run `postmortem merge {target}` first", path=target)
    if to not in ("markdown", "html"):
        raise PostmortemError(f"--to must be markdown or html, not {to!r}")
    record = record_mod.load_record(path)
    text = render_mod.render_markdown(record, template)
    if to == "html":
        text = render_mod.markdown_to_html(text, f"{record.get('title') or 'Post-mortem'}: {record['project']}")
    if output is None:
        sys.stdout.write(text)
        return
    store.atomic_write_text(output, text)
    _say(f"Wrote {output}.")


@app.command()
@_handled()
def formats(
    format_id: Optional[str] = typer.Argument(None, metavar="[ID]", help="A question set id or .toml file to show in full."),
) -> None:
    """List the question sets, or show every question of one with its help."""
    from postmortem import questionsets

    if format_id is None:
        ids = questionsets.known_ids()
        width = max(map(len, ids))
        for set_id in ids:
            typer.echo(f"{set_id:<{width}}  {questionsets.load(set_id).description}")
        return
    qset = questionsets.load(format_id)
    typer.echo(f"{qset.title} ({qset.id})\n{qset.description}\n")
    for number, question in enumerate(qset.questions, 1):
        typer.echo(f"{number}. {question.prompt}  [{question.kind}]")
        for line in question.help.strip().splitlines():
            typer.echo(f"   {line}")
        for name, values in (("choices", question.choices), ("fields", question.fields), ("types", question.types)):
            if values:
                typer.echo(f"   {name}: {', '.join(values)}")
        typer.echo("")


@app.command()
@_handled()
def edit(
    item: str = typer.Argument(..., help="An action id such as A2, or `summary` or `notes` for the whole record."),
    directory: Path = typer.Argument(Path("."), help="The post-mortem folder."),
    owner: Optional[str] = typer.Option(None, "--owner", help="Who does it (empty to clear)."),
    due: Optional[str] = typer.Option(None, "--due", help="By when, YYYY-MM-DD (empty to clear)."),
    status: Optional[str] = typer.Option(None, "--status", help="open, in progress, done or dropped."),
    note: Optional[str] = typer.Option(None, "--note", help="A note on the action (empty to clear)."),
    text: Optional[str] = typer.Option(None, "--text", help="New wording of the action, or the summary/notes text."),
) -> None:
    """Edit the merged record: an action's owner, due date, status, note or wording, or the summary."""
    from postmortem import facilitate
    from postmortem import session as session_mod

    path = directory / session_mod.RECORD_FILE
    if item in ("summary", "notes"):
        if text is None:
            raise PostmortemError(f"give the {item} with --text")
        message = facilitate.change(path, lambda r: facilitate.set_text(r, item, text))
    else:
        message = facilitate.change(
            path,
            lambda r: facilitate.edit_action(r, item, owner=owner, due=due, status=status, note=note, text=text),
        )
    _say(message)


@app.command()
@_handled()
def move(
    wording: str = typer.Argument(..., help="The wording to move, as it stands in the record."),
    directory: Path = typer.Argument(Path("."), help="The post-mortem folder."),
    to: Optional[str] = typer.Option(None, "--to", help="An action id, or the text of an item, in the same section."),
    out: bool = typer.Option(False, "--out", help="Move it out into an item of its own."),
) -> None:
    """Move a wording into another group, or out of its group; merge keeps it there."""
    from postmortem import facilitate
    from postmortem import session as session_mod

    if (to is None) == (not out):
        raise PostmortemError("give either --to ITEM or --out")
    _say(facilitate.change(directory / session_mod.RECORD_FILE, lambda r: facilitate.move_wording(r, wording, to=to)))


def main() -> None:
    app(prog_name="postmortem")
