"""No traceback, ever: every command, against missing files, empty folders, unreadable
files, a read-only folder, a full disk, no terminal and Ctrl-C, ends with a clear message and a
documented exit code: 0 ok, 1 failed check, 2 bad input or usage, 130 interrupted.

The sweep runs over `commands.registered_commands` (where every subcommand registers), so a new
command is covered the day it is added. A command it knows nothing about is called as
`postmortem NAME DIR`; give it a typical call in
`TYPICAL` below when it needs more (the runner uses catch_exceptions=False, so an uncaught exception
fails the test with its traceback).
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import rtoml

from conftest import write_answers
from postmortem.cli import commands

COMMANDS = sorted(command.name or command.callback.__name__.replace("_", "-") for command in commands.registered_commands)
EXIT_CODES = {0, 1, 2}

# A typical call of each command against the post-mortem `f` (tmp: the test's folder, with `wiki/` and
# `zed.toml`, an answers file); the default is `NAME f`.
TYPICAL: dict[str, Callable[[Path, Path], list]] = {
    "start": lambda f, tmp: ["start", f, "--answers", tmp / "zed.toml"],
    "render": lambda f, tmp: ["render", f, "-o", f / "report.md"],
    "formats": lambda f, tmp: ["formats", "classic"],
    "edit": lambda f, tmp: ["edit", "A1", f, "--owner", "Kim"],
    "move": lambda f, tmp: ["move", "Daily check-in.", f, "--out"],
    "publish": lambda f, tmp: ["publish", f, tmp / "wiki", "--style", "plain"],
    "vote": lambda f, tmp: ["vote", f, "--name", "Ann", "--votes", "A1=1"],
    "actions": lambda f, tmp: ["actions", "--all", f],
    "remind": lambda f, tmp: ["remind", f, "--today", "2026-11-03", "--mail", f / "drafts"],
    "import": lambda f, tmp: ["import", f, tmp / "export.csv"],
    "serve": lambda f, tmp: ["serve", f, "--port", "0"],  # the server itself does not run here (see _no_server)
}
# Commands that prompt when not given everything: run without a terminal they must say so, exit 2.
INTERACTIVE: dict[str, Callable[[Path, Path], list]] = {
    "start": lambda f, tmp: ["start", f, "--name", "Zed"],
    "vote": lambda f, tmp: ["vote", f, "--name", "Ann"],
}


def typical(name: str, folder: Path, tmp: Path) -> list[str]:
    return [str(a) for a in TYPICAL.get(name, lambda f, t: [name, f])(folder, tmp)]


@pytest.fixture(scope="module")
def merged(tmp_path_factory) -> Path:
    """A merged post-mortem with two responses and one action (A1), made once and copied per test."""
    from conftest import Cli

    cli, tmp = Cli(), tmp_path_factory.mktemp("merged")
    folder = tmp / "pm"
    for name, answers in (
        ("Ann", {"went_well": ["Clear scope"], "improvements": ["Daily check-in"], "rating": 4}),
        ("Bob", {"went_poorly": ["Unannounced drop-ins"], "improvements": ["Daily check-in."]}),  # a second wording, to move out
    ):
        answers_file = write_answers(tmp, name, answers, role="Dev")
        assert cli("start", folder, "--project", "Billing migration", "--date", "2026-11-02", "--answers", answers_file).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    return folder


@pytest.fixture
def populate(merged: Path):
    def copy(cli, folder: Path, tmp: Path) -> None:
        shutil.copytree(merged, folder)

    return copy


@pytest.fixture(autouse=True)
def _no_server(monkeypatch) -> None:
    """`serve` checks the folder, binds its port and prints its links, then returns instead of serving."""
    import uvicorn

    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)


@pytest.fixture
def place(cli, tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "wiki").mkdir()
    (tmp_path / "zed.toml").write_text('name = "Zed"\nrole = "QA"\n[answers]\nwent_well = ["Tests"]\n', encoding="utf-8")
    (tmp_path / "export.csv").write_text("Timestamp,Your name,What went well?\n2026/11/02 9:00:00,Zed,Tests\n", encoding="utf-8")
    return tmp_path / "pm", tmp_path


def snapshot(*folders: Path) -> dict[str, bytes]:
    """Every file's bytes (lock files aside: they are left behind by design)."""
    return {
        str(p): p.read_bytes()
        for folder in folders
        if folder.exists()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".lock")
    }


def assert_clean(result, codes: set[int] = EXIT_CODES) -> None:
    """A documented exit code, and a clear message when it is not 0; never a traceback."""
    assert "Traceback" not in result.output
    assert result.exit_code in codes, (result.exit_code, result.output)
    if result.exit_code != 0:
        assert result.stderr.strip(), "a failure must say why"
    if result.exit_code == 2:
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith(("postmortem: ", "Error: ", "Try ")) or "Usage:" in result.stderr, result.stderr


def test_every_command_is_swept() -> None:
    shown = {"start", "merge", "render", "formats"}
    assert shown <= set(COMMANDS)
    assert set(TYPICAL) | set(INTERACTIVE) <= set(COMMANDS) | {"vote"}  # entries for commands that may come and go


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_folder(cli, place, command: str) -> None:
    folder, tmp = place
    result = cli(*typical(command, folder, tmp), input="")
    assert_clean(result)
    assert not folder.exists(), "no command creates a post-mortem without --project"
    if command not in ("formats",):
        assert result.exit_code != 0 and str(folder) in result.stderr + result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_empty_folder(cli, place, command: str) -> None:
    folder, tmp = place
    folder.mkdir()
    result = cli(*typical(command, folder, tmp), input="")
    assert_clean(result)
    assert [p for p in folder.iterdir() if not p.name.endswith(".lock")] == []


@pytest.mark.parametrize("command", COMMANDS)
def test_folder_without_record_or_responses(cli, place, populate, command: str) -> None:
    folder, tmp = place
    populate(cli, folder, tmp)
    (folder / "record.toml").unlink()
    for response in (folder / "responses").iterdir():
        response.unlink()
    assert_clean(cli(*typical(command, folder, tmp), input=""))


@pytest.mark.parametrize("command", COMMANDS)
def test_typical_call_on_a_good_folder_succeeds(cli, place, populate, command: str) -> None:
    folder, tmp = place
    populate(cli, folder, tmp)
    result = cli(*typical(command, folder, tmp), input="")
    assert_clean(result, {0})


@pytest.mark.parametrize("command", COMMANDS)
def test_usage_error_is_exit_2(cli, command: str) -> None:
    result = cli(command, "--no-such-option")
    assert result.exit_code == 2 and "No such option" in result.output and "Traceback" not in result.output


# --- unreadable files and a read-only folder: for real when not root, simulated in-process always ---

not_root = pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes whatever the permissions say")


@contextmanager
def modes(paths: list[Path], mode: int, back: int) -> Iterator[None]:
    """paths set to mode for the block, then to back (so pytest can clean up), whatever happens."""
    for path in paths:
        path.chmod(mode)
    try:
        yield
    finally:
        for path in paths:
            path.chmod(back)


@not_root
@pytest.mark.parametrize("command", COMMANDS)
def test_unreadable_files(cli, place, populate, command: str) -> None:
    folder, tmp = place
    populate(cli, folder, tmp)
    with modes([p for p in folder.rglob("*") if p.is_file()], 0, 0o644):
        result = cli(*typical(command, folder, tmp), input="")
    assert_clean(result)


@not_root
@pytest.mark.parametrize("command", COMMANDS)
def test_read_only_folder(cli, place, populate, command: str) -> None:
    folder, tmp = place
    populate(cli, folder, tmp)
    before = snapshot(folder, tmp / "wiki")
    with modes([folder, folder / "responses", tmp / "wiki"], 0o555, 0o755):
        result = cli(*typical(command, folder, tmp), input="")
    assert_clean(result)
    assert snapshot(folder, tmp / "wiki") == before


def _inside(path: object, roots: tuple[Path, ...]) -> bool:
    try:
        return isinstance(path, (str, os.PathLike)) and any(Path(path).resolve().is_relative_to(r) for r in roots)
    except (OSError, ValueError):
        return False


def _refuse_reading(monkeypatch, roots: tuple[Path, ...]) -> None:
    real_open = builtins.open

    def fake_open(file, mode="r", *args, **kwargs):
        if "r" in mode and "+" not in mode and _inside(file, roots) and not Path(file).is_dir():
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(io, "open", fake_open)


def _refuse_creating(monkeypatch, roots: tuple[Path, ...], code: int = errno.EACCES) -> None:
    real_open = os.open

    def fake_open(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and _inside(path, roots):
            raise PermissionError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)


@pytest.mark.parametrize("command", COMMANDS)
def test_unreadable_files_simulated(cli, place, populate, monkeypatch, command: str) -> None:
    folder, tmp = place
    populate(cli, folder, tmp)
    before = snapshot(folder)
    _refuse_reading(monkeypatch, (folder.resolve(),))
    result = cli(*typical(command, folder, tmp), input="")
    monkeypatch.undo()
    assert_clean(result)
    if command in ("merge", "render", "edit", "move", "status", "start", "publish", "vote"):
        assert result.exit_code == 2 and "Permission denied" in result.stderr and str(folder) in result.stderr
    assert snapshot(folder) == before


@pytest.mark.parametrize("command", COMMANDS)
def test_read_only_folder_simulated(cli, place, populate, monkeypatch, command: str) -> None:
    folder, tmp = place
    populate(cli, folder, tmp)
    roots = (folder.resolve(), (tmp / "wiki").resolve())
    before = snapshot(*roots)
    _refuse_creating(monkeypatch, roots)
    result = cli(*typical(command, folder, tmp), input="")
    monkeypatch.undo()
    assert_clean(result)
    if command in ("merge", "render", "edit", "move", "start", "publish", "vote"):
        assert result.exit_code == 2, result.output
        line = result.stderr.strip().splitlines()[-1]
        assert line.startswith(f"postmortem: {folder}") or line.startswith(f"postmortem: {tmp / 'wiki'}"), line
        assert "Permission denied" in line
    assert snapshot(*roots) == before


# --- a full disk: the write fails at fsync (delayed allocation) or at the rename ---


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("where", ["fsync", "replace", "link"])
@pytest.mark.parametrize("command", COMMANDS)
def test_full_disk(cli, place, populate, monkeypatch, command: str, where: str) -> None:
    folder, tmp = place
    populate(cli, folder, tmp)
    before = snapshot(folder, tmp / "wiki")
    monkeypatch.setattr(os, where, _no_space)
    result = cli(*typical(command, folder, tmp), input="")
    monkeypatch.undo()
    assert_clean(result)
    after = snapshot(folder, tmp / "wiki")
    if result.exit_code == 2:
        line = result.stderr.strip().splitlines()[-1]
        assert line.startswith("postmortem: ") and line.endswith(": cannot write: No space left on device"), line
        assert after == before, "a failed write changes nothing"
    assert not [p for p in folder.rglob("*.tmp")], "no temp file left behind"
    if (command in ("merge", "render", "edit", "move") and where != "link") or (command == "start" and where != "replace"):
        assert result.exit_code == 2 and after == before


def test_full_disk_keeps_the_old_record(cli, place, populate, monkeypatch) -> None:
    folder, tmp = place
    populate(cli, folder, tmp)
    record = (folder / "record.toml").read_bytes()
    monkeypatch.setattr(os, "fsync", _no_space)
    result = cli("edit", "A1", folder, "--owner", "Kim")
    monkeypatch.undo()
    assert result.exit_code == 2
    assert result.stderr == f"postmortem: {folder / 'record.toml'}: cannot write: No space left on device\n"
    assert (folder / "record.toml").read_bytes() == record
    assert cli("edit", "A1", folder, "--owner", "Kim").exit_code == 0  # space again: it works
    assert 'owner = "Kim"' in (folder / "record.toml").read_text(encoding="utf-8")


# --- no terminal, and Ctrl-C ---


@pytest.mark.parametrize("command", sorted(INTERACTIVE))
def test_no_terminal_means_a_clear_refusal(cli, place, populate, command: str) -> None:
    folder, tmp = place
    populate(cli, folder, tmp)
    if command not in COMMANDS:
        pytest.skip(f"no `{command}` command yet")
    before = snapshot(folder)
    result = cli(*[str(a) for a in INTERACTIVE[command](folder, tmp)], input="")
    assert_clean(result, {2})
    assert "not a terminal" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert snapshot(folder) == before


def test_no_terminal_for_start_in_a_new_folder_creates_nothing(cli, place) -> None:
    folder, _ = place
    result = cli("start", folder, input="")
    assert_clean(result, {2})
    assert result.stderr.startswith("postmortem: standard input is not a terminal") and "--answers" in result.stderr
    assert not folder.exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_ctrl_c_is_exit_130(cli, place, populate, monkeypatch, command: str) -> None:
    folder, tmp = place
    populate(cli, folder, tmp)
    before = snapshot(folder)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(rtoml, "loads", interrupted)  # every command reads TOML first (store.parse_toml)
    result = cli(*typical(command, folder, tmp), input="")
    monkeypatch.undo()
    assert_clean(result, {130})
    assert result.stderr.strip().splitlines()[-1] == "Interrupted."
    assert snapshot(folder) == before
