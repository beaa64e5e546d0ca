"""Progress bars: on a terminal for long runs (merge over many responses), nothing extra otherwise."""

from __future__ import annotations

import io
import os
import sys
import tomllib
from pathlib import Path

import pytest

from postmortem import progress, store

RESPONSES = progress.THRESHOLD + 50  # just large enough for a bar


def make_session(folder: Path, count: int = RESPONSES) -> Path:
    """A classic post-mortem with `count` complete responses, written directly (fast)."""
    (folder / "responses").mkdir(parents=True)
    (folder / "postmortem.toml").write_text(
        store.dumps({"schema_version": 1, "project": "Big retro", "format": "classic", "date": "2026-11-02"}),
        encoding="utf-8",
    )
    for number in range(count):
        response = {
            "schema_version": 1, "name": f"Person {number:03d}", "role": "Dev", "status": "complete",
            "answers": {"went_well": [f"Thing {number % 7} went well"], "rating": 1 + number % 5},
        }
        (folder / "responses" / f"person-{number:03d}.toml").write_text(store.dumps(response), encoding="utf-8")
    return folder


def test_track_gives_the_iterable_back_when_not_a_terminal(monkeypatch) -> None:
    items = list(range(1000))
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert progress.track(items, len(items), "Reading") is items


def test_track_gives_small_jobs_back_even_on_a_terminal(monkeypatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    monkeypatch.delenv("TERM", raising=False)
    small = list(range(progress.THRESHOLD))
    assert progress.track(small, len(small), "Reading") is small
    large = list(range(progress.THRESHOLD + 1))
    assert list(progress.track(large, len(large), "Reading")) == large  # same items, with a bar
    assert "Reading" in sys.stderr.getvalue()


def test_merge_not_on_a_terminal_prints_no_progress(cli, tmp_path: Path) -> None:
    folder = make_session(tmp_path / "pm")
    result = cli("merge", folder)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"Merged {RESPONSES} response(s) into {folder / 'record.toml'};") and result.stderr.count("\n") == 1
    record = tomllib.loads((folder / "record.toml").read_text(encoding="utf-8"))
    assert record["participant_count"] == RESPONSES


def test_merge_on_a_terminal_shows_a_progress_bar(tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    folder = make_session(tmp_path / "pm")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    child = pexpect.spawn(sys.executable, ["-m", "postmortem", "merge", str(folder)],
                          env=env, timeout=60, encoding="utf-8", dimensions=(24, 100))
    child.logfile_read = io.StringIO()
    child.expect_exact("Reading responses")
    child.expect_exact(f"Merged {RESPONSES} response(s)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.logfile_read.getvalue()
    screen = child.logfile_read.getvalue()
    assert f"/{RESPONSES}" in screen  # the bar's "done/total" column
    record = tomllib.loads((folder / "record.toml").read_text(encoding="utf-8"))
    assert record["participant_count"] == RESPONSES


def wiki_of_records(folder: Path, count: int = RESPONSES) -> Path:
    """count post-mortem records (copies of the worked example's) under folder."""
    from conftest import REPO

    text = (REPO / "examples" / "colorado-office" / "record.toml").read_text(encoding="utf-8")
    for number in range(count):
        (folder / f"pm-{number:03d}").mkdir(parents=True)
        (folder / f"pm-{number:03d}" / "record.toml").write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("command", ["actions", "history"])
def test_follow_up_shows_a_bar_on_a_terminal_only(cli, tmp_path: Path, command: str) -> None:
    pexpect = pytest.importorskip("pexpect")
    folder = wiki_of_records(tmp_path / "wiki")
    result = cli(command, folder)
    assert result.exit_code == 0 and "Reading records" not in result.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm-256color"
    child = pexpect.spawn(sys.executable, ["-m", "postmortem", command, str(folder)],
                          env=env, timeout=60, encoding="utf-8", dimensions=(24, 100))
    child.logfile_read = io.StringIO()
    child.expect_exact("Reading records")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.logfile_read.getvalue()
    assert f"/{RESPONSES}" in child.logfile_read.getvalue()

