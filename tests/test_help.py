"""`postmortem --help` and each command's help: one name per kind of argument, the choices of the
options that have them (listed and completed by the shell), `-h`, the commands in the order a
post-mortem uses them, and an example that parses in every command's help (docs/reference.md)."""

from __future__ import annotations

import re
import shlex

import pytest
import typer.main
from typer.testing import CliRunner

from conftest import REPO
from postmortem import cli, publish, record, render, trackers

ROOT = typer.main.get_command(cli.app)
CONTEXT = ROOT.context_class(ROOT, info_name="postmortem")
COMMANDS = {name: ROOT.get_command(CONTEXT, name) for name in ROOT.list_commands(CONTEXT)}
BUILT_IN_SETS = sorted(path.stem for path in (REPO / "templates" / "formats").glob("*.toml"))


def params(kind: str = "") -> list[tuple[str, typer.core.TyperOption | typer.core.TyperArgument]]:
    """Each command's parameters, or only its "option"s or "argument"s (typer may bring its own click)."""
    return [(name, p) for name, command in COMMANDS.items() for p in command.params if kind in p.param_type_name]


def option(command: str, flag: str) -> typer.core.TyperOption:
    return next(p for p in COMMANDS[command].params if flag in p.opts)


def help_of(*args: str) -> str:
    result = CliRunner().invoke(cli.app, [*args], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_value_is_named_for_what_it_is_not_for_its_type() -> None:
    """Typer's default names are types and parameter names (`--project <str>`, `--history <path>`,
    `{directory}`): each value the help shows has a name of its own."""
    for name, param in params():
        if getattr(param, "is_flag", False):
            continue
        shown = param.get_help_record(CONTEXT)[0]
        value = shown if param.param_type_name == "argument" else shown.rsplit(" ", 1)[-1]
        assert param.metavar and not re.search(r"[<>{}]", value), (name, shown)
        assert "|" in value or value == value.upper(), (name, shown)  # a name in capitals, or the choices


@pytest.mark.parametrize(
    ("metavar", "which"),
    [
        ("DIR", lambda p: p.param_type_name == "argument" and p.name in ("directory", "target")),
        ("DATE", lambda p: "YYYY-MM-DD" in (p.help or "")),
        ("NAME", lambda p: p.name in ("name", "owner", "invite")),
        ("FILE", lambda p: p.name in ("answers", "output", "answers_page", "ics", "config")),
        ("ITEM", lambda p: p.name == "item" or ("--to" in p.opts and p.help.startswith("An action id"))),
        ("TEMPLATE", lambda p: p.name == "template"),
    ],
)
def test_one_name_per_kind_of_value(metavar: str, which) -> None:
    chosen = [(name, p) for name, p in params() if which(p)]
    assert len(chosen) >= 2
    for name, param in chosen:
        assert param.metavar.strip("[]") == metavar, (name, param.name, param.metavar)


@pytest.mark.parametrize(
    ("command", "flag", "choices"),
    [
        ("render", "--to", render.TARGETS),
        ("publish", "--style", publish.STYLES),
        ("edit", "--status", record.STATUSES + record.AGREEMENT_STATUSES),
        ("actions", "--to", trackers.TRACKERS),
    ],
)
def test_choices_are_listed_and_completed_by_the_shell(command: str, flag: str, choices: tuple[str, ...]) -> None:
    shown = f"{flag} [{'|'.join(choices)}]"
    assert shown in help_of(command, "--help")
    assert complete(command, flag) == list(choices)


def test_the_question_sets_are_listed_and_completed_by_the_shell() -> None:
    text = " ".join(option("start", "--format").help.split())
    assert all(re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", text) for f in BUILT_IN_SETS), text
    assert set(BUILT_IN_SETS) <= set(complete("start", "--format"))


def complete(command: str, flag: str) -> list[str]:
    """What bash offers after `postmortem COMMAND FLAG `, through Typer's completion protocol."""
    words = f"postmortem {command} {flag} "
    env = {"_POSTMORTEM_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()))}
    result = CliRunner().invoke(cli.app, [], env=env, prog_name="postmortem")
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


@pytest.mark.parametrize("command", [[], *([name] for name in cli.WORKFLOW)])
def test_dash_h_is_help(command: list[str]) -> None:
    assert help_of(*command, "-h") == help_of(*command, "--help")
    assert "-h, --help" in help_of(*command, "-h")


def test_the_commands_are_listed_in_the_order_a_post_mortem_uses_them() -> None:
    listed = help_of("--help").split("Commands:\n", 1)[1]
    names = [line.split()[0] for line in listed.splitlines() if line.strip()]
    assert names == list(cli.WORKFLOW)
    assert names.index("start") < names.index("merge") < names.index("vote") < names.index("render") < names.index("publish")
    registered = [info.name or typer.main.get_command_name(info.callback.__name__) for info in cli.commands.registered_commands]
    assert sorted(names) == sorted(registered)


def examples(text: str) -> list[str]:
    block = re.search(r"\n  Examples?:\n((?:    postmortem .*\n)+)", text)
    assert block, text
    return [line.strip() for line in block.group(1).splitlines()]


def parses(words: list[str]) -> bool:
    """`postmortem WORDS` is read by the command's own parser (nothing runs), each choice one its help lists."""
    command = ROOT.get_command(CONTEXT, words[0])
    with command.make_context(words[0], words[1:]) as ctx:
        return all(
            ctx.params[p.name] in (None, *p.metavar.strip("[]").split("|"))
            for p in command.params
            if p.param_type_name == "option" and "|" in (p.metavar or "")
        )


@pytest.mark.parametrize("name", cli.WORKFLOW)
def test_each_command_shows_an_example_that_parses(name: str) -> None:
    """Each example is read by the command's own parser, so a renamed option or a wrong choice fails here."""
    for example in examples(help_of(name, "--help")):
        words = shlex.split(example)
        assert words[:2] == ["postmortem", name], example
        assert parses(words[1:]), example


def test_the_tool_itself_shows_an_example() -> None:
    assert [e.split()[1] for e in examples(help_of("--help"))] == ["start", "merge", "render"]
