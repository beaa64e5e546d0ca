"""`--help` and `--version` stay fast: they never import the interview, rendering or their libraries."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import postmortem

FORBIDDEN = [
    "questionary",
    "prompt_toolkit",
    "jinja2",
    "markdown_it",
    "postmortem.render",
    "postmortem.interview",
    "pydantic",
    "starlette",
    "uvicorn",
    "openpyxl",
    "postmortem.serve",
    "postmortem.importer",
    "wordllama",  # the semantic extra: only `groups` loads it
    "numpy",
]
MARKER = "FORBIDDEN-MODULES="

# Runs the real command line in a clean interpreter, then reports which forbidden modules got imported.
# Importing a submodule always imports its package, so checking the exact names is enough. It runs
# the app main() runs: main() itself ends the process at once after a command over many files.
SCRIPT = f"""
import json, sys
sys.argv = ["postmortem", *json.loads(sys.argv[1])]
from postmortem.cli import app
try:
    app(prog_name="postmortem")
except SystemExit:
    pass
sys.stdout.flush()
print({MARKER!r} + json.dumps(sorted(m for m in {FORBIDDEN!r} if m in sys.modules)))
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TYPER_USE_RICH", "_TYPER_COMPLETE")}
    env["COLUMNS"] = "120"
    return env


def run_cli(args: list[str], cwd: Path) -> tuple[str, list[str]]:
    """Returns the CLI's stdout (without the report line) and the forbidden modules it imported."""
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(args)],
        cwd=cwd, env=_env(), capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    head, sep, tail = proc.stdout.rpartition(MARKER)
    assert sep, f"no module report in output:\n{proc.stdout}\n{proc.stderr}"
    return head, json.loads(tail)


def test_version_imports_nothing_heavy(tmp_path: Path) -> None:
    out, imported = run_cli(["--version"], tmp_path)
    assert imported == []
    assert out.strip() == f"postmortem {postmortem.__version__}"


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    out, imported = run_cli(["--help"], tmp_path)
    assert imported == []
    assert "Usage:" in out
    for command in ("start", "merge", "render"):
        assert command in out.split(), f"{command!r} missing from --help:\n{out}"


def test_module_report_sees_a_lazy_import(tmp_path: Path) -> None:
    """Control: the check is not vacuous; running `render` does import postmortem.render."""
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(["render", str(tmp_path / "missing.toml")])],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60,
    )
    assert MARKER in proc.stdout, proc.stderr
    imported = json.loads(proc.stdout.rpartition(MARKER)[2])
    assert "postmortem.render" in imported


def test_a_command_with_options_parses_them_without_pydantic(tmp_path: Path) -> None:
    """typer 0.29 imports pydantic and builds a TypeAdapter per parameter at every run, a tenth of a
    second before `start` asks its first question: pyproject keeps typer below it."""
    out, imported = run_cli(["formats", "classic"], tmp_path)
    assert "pydantic" not in imported
    assert out.startswith("Classic post-mortem (classic)")


def test_python_dash_m_version(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "postmortem", "--version"],
        cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"postmortem {postmortem.__version__}\n"


@pytest.mark.parametrize(("args", "built"), [(["--version"], []), (["merge", "--help"], ["merge"]), (["--help"], "all")])
def test_a_run_builds_only_the_command_it_runs(args: list[str], built, monkeypatch) -> None:
    """Typer reads a command's parameters when it builds it: --version builds none, a command only itself."""
    import typer.main
    from typer.testing import CliRunner

    from postmortem.cli import app, commands

    names: list[str] = []
    build = typer.main.get_command_from_info

    def counted(info, **settings):  # type: ignore[no-untyped-def]
        command = build(info, **settings)
        names.append(command.name)
        return command

    monkeypatch.setattr(typer.main, "get_command_from_info", counted)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    everything = [i.name or typer.main.get_command_name(i.callback.__name__) for i in commands.registered_commands]
    assert sorted(names) == sorted(everything if built == "all" else built) and len(everything) == 16  # --help builds them in its order


def test_the_lazy_commands_are_the_ones_typer_builds() -> None:
    """cli._Commands builds each command with typer.main.get_command_from_info, which typer does not
    document: the commands it builds, their help and the listing in `--help` must be those typer's
    public get_command makes from the same registrations, all at once (run under each typer the
    pin in pyproject.toml allows)."""
    import re

    import typer.main
    from typer.testing import CliRunner

    from postmortem.cli import HELP_OPTIONS, WORKFLOW, app, commands

    eager_app = typer.Typer(context_settings=HELP_OPTIONS, rich_markup_mode=None)
    eager_app.registered_commands.extend(commands.registered_commands)
    eager = typer.main.get_command(eager_app)
    lazy = typer.main.get_command(app)
    assert list(lazy.commands) == list(eager.commands) and len(eager.commands) == 16
    runner = CliRunner()
    listing = runner.invoke(app, ["--help"], terminal_width=120).output
    listed = re.findall(r"^  ([a-z]+)  ", listing.partition("\nCommands:\n")[2], re.MULTILINE)
    assert listed == list(WORKFLOW) and sorted(listed) == sorted(eager.commands)  # listed in the order a post-mortem uses them
    for name, command in eager.commands.items():
        built = lazy.commands[name]
        assert [(p.name, p.opts, p.required) for p in built.params] == [(p.name, p.opts, p.required) for p in command.params]
        theirs = runner.invoke(eager_app, [name, "--help"], prog_name="postmortem", terminal_width=120)
        assert runner.invoke(app, [name, "--help"], prog_name="postmortem", terminal_width=120).output == theirs.output, name
