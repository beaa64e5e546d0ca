"""The command line: parses arguments, calls the library, prints. Heavy imports stay inside commands.

Start-up stays close to Typer's own: a run builds only the command it runs (`_Commands`), and
there is no `from __future__ import annotations` here, since Typer would then compile and eval
every parameter's annotation of that command."""

import gc
import os
import sys
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import typer

from postmortem import __version__
from postmortem.errors import Interrupted, PostmortemError

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}
commands = typer.Typer(context_settings=HELP_OPTIONS)  # where the subcommands register; the root group builds each one on first use


class _Commands(MutableMapping):
    """The root group's subcommands by name, each built from its registration the first time it is
    looked up. Typer would read every command's parameters at every start, --version included;
    a run builds only the command it runs (--help still lists, and so builds, them all).

    Each command is built by typer.main.get_command_from_info, which typer does not document:
    tests/test_startup.py checks that what it builds, and the listing in --help, are what typer's
    public get_command makes. pyproject.toml caps typer below 0.29, which imports pydantic and
    builds a TypeAdapter per parameter at every run: `formats classic` takes 0.12 s of CPU with
    typer 0.28 and twice that, 0.24 s, with 0.29.2 and pydantic, a delay before every first question.
    Below 0.18 the tests of tests/test_startup.py fail: --version imports markdown_it, or click 8.2+ breaks typer."""

    def __init__(self, registry: typer.Typer, rich_markup_mode: Any) -> None:
        self._registered = {
            info.name or typer.main.get_command_name(info.callback.__name__): info for info in registry.registered_commands
        }
        self._built: dict[str, Any] = {}
        self._rich_markup_mode = rich_markup_mode

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            info = self._registered[name]  # KeyError for an unknown command, so .get() gives None
            self._built[name] = typer.main.get_command_from_info(  # pretty exceptions are off: Typer's default
                info, pretty_exceptions_short=True, rich_markup_mode=self._rich_markup_mode
            )
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._registered.setdefault(name, None)
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._registered[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._registered)

    def __len__(self) -> int:
        return len(self._registered)


# The order `postmortem --help` lists the commands in: the order a post-mortem uses them.
WORKFLOW = (
    "start", "formats", "serve", "import", "status", "check", "merge", "groups", "move", "vote", "edit",
    "render", "publish", "actions", "remind", "history",
)


class _RootGroup(typer.core.TyperGroup):
    """`postmortem` itself: Typer's group, with its subcommands built on first use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands(commands, self.rich_markup_mode)

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted(self.commands, key=WORKFLOW.index)


TARGETS = ("markdown", "html")  # render.TARGETS, written out so that --help imports no renderer (test_help checks they agree)
# The help lists the choices of --style, --status and --to as written in their metavars, since the
# modules that hold them are not imported at start-up; tests/test_help.py holds the two lists equal.


def _module(name: str) -> Any:
    """A postmortem module, imported when a shell completes an option's choices, never at start-up."""
    import importlib

    return importlib.import_module(f"postmortem.{name}")


app = typer.Typer(
    name="postmortem",
    help="Turn the end of a project into lessons a team acts on: interview, merge, report.\n\n"
    "Each participant answers with `start`; the facilitator merges the answers and renders the report. "
    "The commands are listed in the order a post-mortem uses them.\n\n"
    "\b\nExample:\n"
    '  postmortem start retro/ --project "Colorado office compliance rollout"\n'
    "  postmortem merge retro/\n"
    "  postmortem render retro/ -o retro/report.md",
    cls=_RootGroup,
    no_args_is_help=True,
    context_settings=HELP_OPTIONS,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _say(message: str) -> None:
    """A message on stderr. It and `_out` are the only ways to the terminal, and both go through
    escape.terminal: whatever a name, a file or a value holds, no escape sequence gets through."""
    from postmortem.escape import terminal

    typer.echo(terminal(message), err=True)


def _out(text: str) -> None:
    """Output on stdout (a report, a table, JSON, CSV), through escape.terminal as `_say`."""
    from postmortem.escape import terminal

    sys.stdout.write(terminal(text))


@contextmanager
def _handled() -> Iterator[None]:
    """Bad input becomes one line on stderr and exit 2; Ctrl-C exit 130; never a traceback."""
    try:
        yield
    except PostmortemError as err:  # one line, whatever a file name or a value holds (escape.plain)
        from postmortem.escape import plain

        _say(f"postmortem: {plain(str(err))}")
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
        from postmortem.escape import plain

        _say(f"postmortem: {plain(f'{where}{err.strerror or err}')}")
        raise typer.Exit(2) from None


_worked_in_bulk = False  # a command of _bulk ran: main ends the process without tearing down its heap


@contextmanager
def _bulk() -> Iterator[None]:
    """No cyclic garbage collection while a command works through many files (merge, render,
    publish, check, actions, history). They build millions of small containers and no reference
    cycles to speak of, and CPython's collector would rescan every one of them each time the heap
    grows by a quarter: a fifth of the time of a 10,000-response merge, with no memory saved."""
    global _worked_in_bulk
    _worked_in_bulk = True
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"postmortem {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Turn the end of a project into lessons a team acts on: interview, merge, report."""


@commands.command()
@_handled()
def start(
    directory: Path = typer.Argument(Path("."), metavar="[DIR]", help="The post-mortem folder (created when needed)."),
    project: Optional[str] = typer.Option(None, "--project", metavar="PROJECT", help="Project name, when creating the post-mortem."),
    set_id: Optional[str] = typer.Option(
        None, "--format", "-f", metavar="SET",
        help="The question set, when creating: classic (default), internal-service, start-stop-continue, 4ls, mad-sad-glad, "
        "incident, one of your own (`postmortem formats` lists them all) or a .toml file.",
        autocompletion=lambda: _module("questionsets").known_ids(),
    ),
    date: Optional[str] = typer.Option(None, "--date", metavar="DATE", help="Date of the post-mortem (YYYY-MM-DD), when creating; default today."),
    name: Optional[str] = typer.Option(None, "--name", metavar="NAME", help="Your name, as the team knows you."),
    role: Optional[str] = typer.Option(None, "--role", metavar="ROLE", help="Your role on the project."),
    answers: Optional[str] = typer.Option(None, "--answers", metavar="FILE", help="Take answers from a TOML file (- for stdin), no prompts."),
    no_input: bool = typer.Option(False, "--no-input", help="Never prompt; fail clearly on anything missing."),
    no_nudges: bool = typer.Option(False, "--no-nudges", help="No follow-ups on vague improvements or blame, this run."),
    commit: bool = typer.Option(False, "--commit", help="git commit your response file (only it) when done."),
    invite: Optional[list[str]] = typer.Option(
        None, "--invite", metavar="NAME", help="Invite NAME (repeatable); without --name or --answers, only invites."
    ),
    anonymous: bool = typer.Option(False, "--anonymous", help="When creating: no names kept; responses filed under random tokens."),
    token: Optional[str] = typer.Option(
        None, "--token", metavar="TOKEN", help="Anonymous post-mortem: the token you were given, to change your answers."
    ),
    deadline: Optional[str] = typer.Option(
        None, "--deadline", metavar="DATE", help="Answers are due by this day (YYYY-MM-DD); `actions --ics` and `remind` show it."
    ),
) -> None:
    """Interview yourself for the post-mortem in DIR, creating it when there is none.

    \b
    Examples:
      postmortem start retro/ --project "Colorado office compliance rollout" --format classic
      postmortem start retro/ --name Linda --answers linda.toml
    """
    from postmortem import start as start_mod

    start_mod.run(
        start_mod.Request(
            folder=directory, project=project, set_id=set_id, date=date, name=name, role=role, answers=answers, no_input=no_input,
            no_nudges=no_nudges, commit=commit, invite=tuple(invite or ()), anonymous=anonymous, token=token, deadline=deadline,
        ),
        tell=_say,
    )


@commands.command()
@_handled()
@_bulk()
def merge(
    directory: Path = typer.Argument(Path("."), metavar="[DIR]", help="The post-mortem folder."),
    history: Optional[list[Path]] = typer.Option(
        None, "--history", metavar="PATH", help="Also look here for earlier post-mortems of the project (besides the folders next to this one)."
    ),
) -> None:
    """Merge every response into record.toml, keeping ids and the facilitator's edits; the still-open
    actions of earlier post-mortems of the project are carried over.

    \b
    Example:
      postmortem merge retro/ --history wiki/
    """
    from postmortem import merging

    merged = merging.merge_folder(directory, history or [])
    _report_unreadable(merged.unreadable)
    from postmortem.escape import plain

    for line in merged.uncounted:
        _say(f"postmortem: {plain(line)}")
    _say(merged.summary())


@commands.command()
@_handled()
@_bulk()
def render(
    target: Path = typer.Argument(Path("."), metavar="[DIR]", help="The post-mortem folder or its record.toml."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", metavar="FILE", help="Write the report here instead of stdout (- is stdout)."),
    template: Optional[str] = typer.Option(
        None, "--template", "-t", metavar="TEMPLATE", help="Report template: a name (your templates folder, then the built-ins) or a .j2 file."
    ),
    to: str = typer.Option(
        "markdown", "--to", metavar="[markdown|html]", help="markdown, or html for a standalone page (Confluence, email).",
        autocompletion=lambda: list(TARGETS),
    ),
    answers_page: Optional[Path] = typer.Option(
        None, "--answers-page", metavar="FILE", help="Also write each participant's own answers to this file, a second page the report links to."
    ),
) -> None:
    """Render the merged record as a Markdown report (stdout unless -o).

    \b
    Examples:
      postmortem render retro/ -o retro/report.md --answers-page retro/answers.md
      postmortem render retro/ --to html -o report.html
    """
    from postmortem import record as record_mod
    from postmortem import render as render_mod
    from postmortem import session as session_mod
    from postmortem import store

    record = record_mod.load_record(session_mod.record_path(target))
    to_stdout = output is None or str(output) == "-"  # - is stdout, as everywhere
    text, writes = render_mod.pages(record, template=template, to=to, output=None if to_stdout else output, answers_page=answers_page)
    if writes:
        store.atomic_write_all(writes)
        _say(f"Wrote {' and '.join(str(p) for p, _ in writes)}.")
    if to_stdout:
        _out(text)


@commands.command()
@_handled()
def formats(
    set_id: Optional[str] = typer.Argument(None, metavar="[ID]", help="A question set id or .toml file to show in full."),
) -> None:
    """List the question sets, or show every question of one with its help.

    \b
    Example:
      postmortem formats internal-service
    """
    from postmortem import questionsets

    _out(questionsets.listing() if set_id is None else questionsets.describe(questionsets.load(set_id)))


@commands.command()
@_handled()
def edit(
    item: str = typer.Argument(
        ..., metavar="ITEM", help="An action id such as A2, an agreement (its words, or a part of them), or `summary` or `notes`."
    ),
    directory: Path = typer.Argument(Path("."), metavar="[DIR]", help="The post-mortem folder."),
    owner: Optional[str] = typer.Option(None, "--owner", metavar="NAME", help="Who does it (empty to clear)."),
    due: Optional[str] = typer.Option(None, "--due", metavar="DATE", help="By when, YYYY-MM-DD (empty to clear)."),
    status: Optional[str] = typer.Option(
        None, "--status", metavar="[open|in progress|done|dropped|in force|lapsed|retired]",
        help="open, in progress, done or dropped; an agreement's: in force, lapsed or retired.",
        autocompletion=lambda: [*_module("facilitate").STATUSES, *_module("agreements").STATUSES],
    ),
    note: Optional[str] = typer.Option(None, "--note", metavar="TEXT", help="A note on the action or agreement (empty to clear)."),
    text: Optional[str] = typer.Option(None, "--text", metavar="TEXT", help="New wording of the action, or the summary/notes text."),
) -> None:
    """Edit the merged record: an action's owner, due date, status, note or wording, an agreement's
    status or note, or the summary.

    
    Examples:
      postmortem edit A2 retro/ --owner Kyle --due 2026-12-15 --status "in progress"
      postmortem edit "drop-ins" retro/ --status retired --note "Replaced by office hours."
      postmortem edit summary retro/ --text "Landed on time; the office paid for it."
    """
    from postmortem import facilitate
    from postmortem import session as session_mod

    _say(facilitate.edit(session_mod.record_path(directory), item, owner=owner, due=due, status=status, note=note, text=text))


@commands.command()
@_handled()
def move(
    wording: str = typer.Argument(..., metavar="WORDING", help="The wording to move, as it stands in the record."),
    directory: Path = typer.Argument(Path("."), metavar="[DIR]", help="The post-mortem folder."),
    to: Optional[str] = typer.Option(None, "--to", metavar="ITEM", help="An action id, or the text of an item, in the same section."),
    out: bool = typer.Option(False, "--out", help="Move it out into an item of its own."),
) -> None:
    """Move a wording into another group, or out of its group; merge keeps it there.

    \b
    Examples:
      postmortem move "Daily check-in at 9" retro/ --to A2
      postmortem move "Daily check-in at 9" retro/ --out
    """
    from postmortem import facilitate
    from postmortem import session as session_mod

    if (to is None) == (not out):
        raise PostmortemError("give either --to ITEM or --out")
    _say(facilitate.change(session_mod.record_path(directory), lambda r: facilitate.move_wording(r, wording, to=to)))


@commands.command()
@_handled()
def groups(
    directory: Path = typer.Argument(Path("."), metavar="[DIR]", help="The post-mortem folder."),
    as_json: bool = typer.Option(False, "--json", help="The same as JSON: wording, group, suggestions."),
) -> None:
    """Each merged group with its wordings and, for each wording, the nearest wordings not joined,
    with the `move` command that would join them: check the grouping in seconds.

    \b
    Example:
      postmortem groups retro/
    """
    from postmortem import record as record_mod
    from postmortem import review
    from postmortem import session as session_mod

    reviewed = review.sections(record_mod.load_record(session_mod.record_path(directory)), directory)
    _out(review.to_json(reviewed) if as_json else review.to_text(reviewed))


@commands.command()
@_handled()
@_bulk()
def publish(
    paths: list[Path] = typer.Argument(
        ..., metavar="[DIR] WIKI", help="The post-mortem folder (default .) or its record.toml, then the wiki folder."
    ),
    style: str = typer.Option(
        ..., "--style", metavar="[github|mkdocs|plain]", help="github (a GitHub/GitLab wiki clone), mkdocs (a MkDocs project) or plain.",
        autocompletion=lambda: list(_module("publish").STYLES),
    ),
    index: Optional[str] = typer.Option(None, "--index", metavar="PAGE", help="The index page (default Home.md for github, index.md otherwise)."),
    template: Optional[str] = typer.Option(None, "--template", "-t", metavar="TEMPLATE", help="Report template, as for render."),
) -> None:
    """Publish the report to a wiki folder, the record beside it, and update the wiki's index of post-mortems.

    \b
    Examples:
      postmortem publish retro/ ../team.wiki --style github
      postmortem publish retro/ handbook/ --style mkdocs
    """
    from postmortem import publish as publish_mod
    from postmortem import session as session_mod

    if len(paths) > 2:
        raise PostmortemError("give at most two paths: the post-mortem folder and the wiki folder")
    target, wiki = (Path("."), paths[0]) if len(paths) == 1 else paths
    done = publish_mod.publish(session_mod.record_path(target), wiki, style, index, template)
    for warning in done.warnings:
        _say(f"postmortem: warning: {warning}")
    answers = f", each person's answers: {done.answers}" if done.answers else ""
    _say(f"Published {done.page} (record: {done.record}{answers}); index: {done.index}.")


@commands.command()
@_handled()
def status(
    directory: Path = typer.Argument(Path("."), metavar="[DIR]", help="The post-mortem folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the status as JSON, for scripts."),
) -> None:
    """Who is invited, who has answered, who has a draft, who is still due; answers per question.

    \b
    Example:
      postmortem status retro/
    """
    from postmortem import escape
    from postmortem import status as status_mod

    data = status_mod.collect(directory)
    _out(escape.to_json(data) if as_json else status_mod.table(data))
    for problem in data["problems"]:
        where = f"{problem['file']}:{problem['line']}: " if problem["line"] else f"{problem['file']}: " if problem["file"] else ""
        _say(f"postmortem: warning: {escape.plain(where + problem['problem'])} (run `postmortem check`)")


@commands.command()
@_handled()
@_bulk()
def check(
    paths: Optional[list[Path]] = typer.Argument(None, metavar="[PATH]...", help="Files or folders (searched recursively); default ."),
    as_json: bool = typer.Option(False, "--json", help="Print the problems as a JSON list of {file, line, problem}."),
) -> None:
    """Check session, response, question-set and record files: every problem, with file and line.

    \b
    Example:
      postmortem check retros/
    """
    from postmortem import check as check_mod
    from postmortem import escape

    problems, checked = check_mod.check(paths or [Path(".")])
    if as_json:
        _out(escape.to_json([p.as_dict() for p in problems]))
    else:
        _out("".join(escape.plain(str(problem)) + "\n" for problem in problems))
    files = len({p.file for p in problems})
    if problems:
        _say(f"{len(problems)} problem(s) in {files} file(s); {checked} file(s) checked.")
        raise typer.Exit(1)
    _say(f"{checked} file(s) checked, no problems.")


def _today(today: Optional[str]):
    from postmortem import answers as answers_mod
    from postmortem import session as session_mod

    return answers_mod.parse_date(today, "--today") if today else session_mod.now().date()


def _report_unreadable(errors: list) -> None:
    from postmortem import escape

    for err in errors:
        _say(f"postmortem: skipped: {escape.plain(str(err))}")


def _end_with_skipped(errors: list) -> None:
    """After a command over many records: name each file left out; any left out is bad input (exit 2)."""
    _report_unreadable(errors)
    if errors:
        raise typer.Exit(2)


class _ActionsCommand(typer.core.TyperCommand):
    """One command, four forms: `actions [PATH]...`, `actions done ID [PATH]...`, `actions reopen ID [PATH]...`,
    `actions link ID URL [PATH]...`. (A sub-app could not also take bare PATHs: its group would read `done`
    as a path or a path as a command.)"""

    def collect_usage_pieces(self, ctx):  # type: ignore[no-untyped-def]
        return ["[OPTIONS]", "[done ID | reopen ID | link ID URL]", "[PATH]..."]


@commands.command(cls=_ActionsCommand)
@_handled()
@_bulk()
def actions(
    args: Optional[list[str]] = typer.Argument(
        None, metavar="[done ID | reopen ID | link ID URL] [PATH]...",
        help="Folders or record files to search (default .); `done ID`, `reopen ID` or `link ID URL` first to change one action.",
    ),
    open_only: bool = typer.Option(True, "--open/--all", help="Only actions still open or in progress (default), or all."),
    owner: Optional[str] = typer.Option(
        None, "--owner", metavar="NAME", help="Only this person's actions: any case, any part of the name (Dave finds Dave Kowalski)."
    ),
    overdue: bool = typer.Option(False, "--overdue", help="Only actions past their due date."),
    as_json: bool = typer.Option(False, "--json", help="Print the actions as JSON."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the actions as CSV."),
    today: Optional[str] = typer.Option(None, "--today", metavar="DATE", help="Count overdue and age from this date (YYYY-MM-DD); default today."),
    to: Optional[str] = typer.Option(
        None, "--to", metavar="[github|gitlab|jira-csv]",
        help="github or gitlab: a script of `gh`/`glab issue create` commands; jira-csv: Jira's import CSV. Actions with a link are left out.",
        autocompletion=lambda: list(_module("trackers").TRACKERS),
    ),
    ics: Optional[Path] = typer.Option(
        None, "--ics", metavar="FILE", help="Also write the due dates (and answering deadlines) as an iCalendar file."
    ),
    config: Optional[Path] = typer.Option(
        None, "--config", metavar="FILE",
        help="The config file whose [people] table maps owners to logins (default: config.toml in the config folder).",
    ),
) -> None:
    """Action items of every post-mortem under PATHs (post-mortem and wiki folders): who, by when,
    overdue. `actions done ID` and `actions reopen ID` close or reopen one in its own record, `actions
    link ID URL` records its issue; an id shared by several post-mortems takes the project first, as
    in colorado-office:A2.

    \b
    Examples:
      postmortem actions retros/ wiki/ --overdue --owner kyle
      postmortem actions done colorado-office:A2 retros/
    """
    from postmortem import actions as actions_mod

    words = list(args or [])
    if words and words[0] in actions_mod.VERBS:
        actions_mod.change(words, _say, skipped=_report_unreadable)
        return
    if sum((as_json, as_csv, to is not None)) > 1:
        raise PostmortemError("give one of --json, --csv and --to")
    shown = "json" if as_json else "csv" if as_csv else "table"
    text, summary, errors = actions_mod.listing(
        [Path(w) for w in words] or [Path(".")], _today(today), shown=shown, to=to, ics=ics, config=config,
        only={"everything": not open_only, "owner": owner, "overdue": overdue}, tell=_say,
    )
    if text:
        _out(text)
    _say(summary)
    _end_with_skipped(errors)


@commands.command()
@_handled()
@_bulk()
def remind(
    paths: Optional[list[Path]] = typer.Argument(None, metavar="[PATH]...", help="Folders or record files to search (default .)."),
    days: int = typer.Option(7, "--days", min=0, metavar="N", help="What counts as due soon: within this many days."),
    mail: Optional[Path] = typer.Option(
        None, "--mail", metavar="DIR", help="Also write one e-mail draft (.eml) per person into DIR; nothing is sent."
    ),
    config: Optional[Path] = typer.Option(
        None, "--config", metavar="FILE", help="The config file whose [people] table gives addresses (default: config.toml in the config folder)."
    ),
    today: Optional[str] = typer.Option(None, "--today", metavar="DATE", help="Count from this date (YYYY-MM-DD); default today."),
) -> None:
    """Per person: actions overdue and due soon, and open post-mortems they have not answered yet.

    \b
    Example:
      postmortem remind retros/ --mail drafts/ --days 14
    """
    from postmortem import actions as actions_mod
    from postmortem import followup, remind as remind_mod, trackers

    people = trackers.load_people(config) if mail else {}
    where = paths or [Path(".")]
    day = _today(today)
    found, errors = followup.load_records(where)
    sessions, session_errors = followup.load_sessions(where)
    rows = actions_mod.select(actions_mod.action_rows(found, day))
    reminders, status_errors = remind_mod.collect(rows, sessions, day, days)
    _out(remind_mod.to_text(reminders))
    if mail is not None:
        written = remind_mod.write_drafts(reminders, mail, people, day)
        _say(f"Wrote {len(written)} draft(s) into {mail}; nothing was sent.")
    _say(f"{len(reminders.people)} person(s) to remind, from {len(found)} record(s) and {len(sessions)} post-mortem folder(s).")
    errors += session_errors + status_errors
    _end_with_skipped(errors)


@commands.command()
@_handled()
@_bulk()
def history(
    paths: Optional[list[Path]] = typer.Argument(None, metavar="[PATH]...", help="Folders or record files to search (default .)."),
    as_json: bool = typer.Option(False, "--json", help="Print the post-mortems and themes (or the scores) as JSON."),
    scores: bool = typer.Option(False, "--scores", help="Each rating and scorecard dimension over time, as a text chart."),
    as_csv: bool = typer.Option(False, "--csv", help="With --scores: print the scores as CSV."),
) -> None:
    """Past post-mortems, newest first (rating, return on time invested, open and done actions), and
    the themes that came up in more than one of them; or, with --scores, every rating and scorecard
    dimension over time.

    \b
    Example:
      postmortem history retros/ --scores
    """
    from postmortem import escape, followup, output
    from postmortem import history as history_mod

    if as_csv and not scores:
        raise PostmortemError("--csv is for --scores")
    if as_json and as_csv:
        raise PostmortemError("give --json or --csv, not both")
    found, errors = followup.load_records(
        paths or [Path(".")], keep=history_mod.essentials, meanwhile=None if scores else history_mod.read_wordings
    )
    if scores:
        rows = history_mod.scores(found)
        if as_json:
            _out(escape.to_json(rows))
        elif as_csv:
            _out(output.to_csv(rows, history_mod.SCORE_COLUMNS))
        else:
            _out(history_mod.scores_text(rows))
    else:
        rows, recurring = history_mod.postmortems(found), history_mod.themes(found)
        _out(history_mod.to_json(rows, recurring) if as_json else history_mod.to_text(rows, recurring))
    _end_with_skipped(errors)


@commands.command()
@_handled()
def vote(
    directory: Path = typer.Argument(Path("."), metavar="[DIR]", help="The post-mortem folder."),
    name: Optional[str] = typer.Option(None, "--name", metavar="NAME", help="Your name, as in your response."),
    token: Optional[str] = typer.Option(None, "--token", metavar="TOKEN", help="Anonymous post-mortem: the token you were given."),
    votes: Optional[str] = typer.Option(None, "--votes", metavar="ID=N,...", help="Your dots without prompts, e.g. A1=2,A3=1 (empty: none)."),
) -> None:
    """Spread your dots over the merged actions; voting again replaces your votes.

    \b
    Example:
      postmortem vote retro/ --name Linda --votes A1=2,A3=1
    """
    from postmortem import vote as vote_mod

    vote_mod.run(directory, name, token, votes, tell=_say)


@commands.command()
@_handled()
def serve(
    directory: Path = typer.Argument(Path("."), metavar="[DIR]", help="The post-mortem folder."),
    host: str = typer.Option("127.0.0.1", "--host", metavar="HOST", help="Address to listen on; anything but this computer's own gets a warning."),
    port: int = typer.Option(8765, "--port", metavar="PORT", help="Port to listen on (0: any free one)."),
    open_browser: bool = typer.Option(False, "--open", help="Open the facilitator's page in the browser."),
) -> None:
    """The interview as a form in the browser, for people who never open a terminal, and a page for
    the facilitator (status, merge, report, voting). Prints a link for each; Ctrl-C stops.

    \b
    Example:
      postmortem serve retro/ --open
    """
    from postmortem import serve as serve_mod

    serve_mod.run(directory, host, port, open_browser, _say)


@commands.command(name="import")
@_handled()
def import_(
    directory: Path = typer.Argument(..., metavar="DIR", help="The post-mortem folder (create it first with `postmortem start DIR --project ...`)."),
    export: Path = typer.Argument(..., metavar="EXPORT", help="The form's CSV or XLSX export: one row per person."),
    maps: Optional[list[str]] = typer.Option(
        None, "--map", metavar="COLUMN=QUESTION_ID", help="Feed a column to a question id, to name or role, or ignore it with - (repeatable)."
    ),
) -> None:
    """Answers collected with Google Forms or Microsoft Forms become response files, each row checked
    as `start --answers` checks a file; nothing is written unless every row passes.

    \b
    Example:
      postmortem import retro/ google-forms.csv --map "Department=-"
    """
    from postmortem import escape, importer
    from postmortem import session as session_mod
    from postmortem import response as response_mod

    session = session_mod.load_session(directory)
    try:
        imported = importer.import_rows(session, export, maps or [])
    except importer.ImportProblems as err:
        for problem in err.problems[:-1]:
            _say(f"postmortem: {escape.plain(str(problem))}")
        raise err.problems[-1] from None
    for title in imported.ignored:
        _say(f"postmortem: warning: column {escape.plain(repr(title))} matches no question; ignored (--map it to one)")
    paths = importer.write(session, imported)
    where = response_mod.responses_dir(directory)
    _say(f"Imported {len(paths)} response(s) from {escape.plain(str(export))} into {where}.")
    if session.anonymous:
        _say("Each is filed under a new random token, so importing this export again would add its rows again.")


def main() -> None:
    """The `postmortem` program. After a command that read many files it ends at once, output
    flushed, without freeing its objects one by one: the system takes the memory back in one go,
    where tearing down the heap took a quarter of a second of `history` over 1,000 records. Every
    file such a command writes is written and closed (atomically) before it returns. Under
    coverage, which writes what it measured at exit, it ends the usual way."""
    try:
        app(prog_name="postmortem")
    except SystemExit as end:
        if not _worked_in_bulk or "coverage" in sys.modules:
            raise
        code = end.code if isinstance(end.code, int) else 0 if end.code is None else 1
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # the reader went away, or the stream is closed
                pass
        os._exit(code)
