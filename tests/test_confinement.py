"""Nothing outside the folder: symbolic links are never followed, no name escapes or collides."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from conftest import read, write_answers

from postmortem import answers as answers_mod
from postmortem import session as session_mod

PROJECT = ["--project", "Colorado office compliance rollout", "--date", "2026-11-20"]
DIR = object()  # where a command takes the post-mortem folder
SECRET = 'name = "Ann"\npassword = "hunter2"\n'  # valid TOML that even names the participant


def answer(cli, folder: Path, name: str, went_well: str = "Clear scope"):
    answers = write_answers(folder.parent, "ignored", {"went_well": [went_well]}, role="Dev")
    return cli("start", folder, *PROJECT, "--answers", answers, "--name", name)


def tree(root: Path) -> dict[str, bytes | str]:
    """Every path under root with its content (or its link target), to see what a command changed."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        if path.is_symlink():
            found[key] = f"-> {os.readlink(path)}"
        elif path.is_file():
            found[key] = path.read_bytes()
    return found


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the post-mortem holding a credentials file nobody must read or overwrite."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "credentials.toml").write_text(SECRET, encoding="utf-8")
    return folder


def assert_refused(result, *, mention: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert mention in result.stderr
    assert "symbolic link" in result.stderr
    assert "hunter2" not in result.output


# --- Symbolic links ---------------------------------------------------------------------------------


def test_a_response_file_that_is_a_symlink_is_never_overwritten(cli, tmp_path: Path, outside: Path) -> None:
    folder = tmp_path / "retro"
    assert answer(cli, folder, "Bob").exit_code == 0
    link = folder / "responses" / "ann.toml"
    link.symlink_to(outside / "credentials.toml")

    result = answer(cli, folder, "Ann", "Overwrite it")
    assert_refused(result, mention=str(link))
    assert (outside / "credentials.toml").read_text(encoding="utf-8") == SECRET
    assert link.is_symlink() and os.readlink(link) == str(outside / "credentials.toml")


def test_the_interview_refuses_a_symlinked_response_before_asking(tmp_path: Path, outside: Path) -> None:
    from test_interview import assert_no_hang, drive, lines

    folder = tmp_path / "retro"
    session_mod.create_session(folder, "P", "classic")
    (folder / "responses").mkdir()
    (folder / "responses" / "ann.toml").symlink_to(outside / "credentials.toml")
    run = drive(["start", str(folder), "--name", "Ann", "--role", "QA"], lines("Overwrite it", ""))
    assert_no_hang(run)
    assert_refused(run.result, mention="ann.toml")
    assert "What went well?" not in run.screen
    assert (outside / "credentials.toml").read_text(encoding="utf-8") == SECRET


def test_merge_never_reads_through_a_symlinked_response(cli, tmp_path: Path, outside: Path) -> None:
    folder = tmp_path / "retro"
    assert answer(cli, folder, "Bob").exit_code == 0
    (folder / "responses" / "ann.toml").symlink_to(outside / "credentials.toml")
    result = cli("merge", folder)
    assert_refused(result, mention="ann.toml")
    assert not (folder / "record.toml").exists()


def test_a_responses_folder_that_is_a_symlink_is_never_written_or_read(cli, tmp_path: Path, outside: Path) -> None:
    """Found by this test: `responses` linked to another folder took the answers there (fixed in response.py)."""
    folder = tmp_path / "retro"
    assert answer(cli, folder, "Bob").exit_code == 0
    (folder / "responses" / "bob.toml").rename(outside / "bob.toml")
    (folder / "responses").rmdir()
    (folder / "responses").symlink_to(outside, target_is_directory=True)
    before = tree(outside)

    assert_refused(answer(cli, folder, "Ann"), mention=str(folder / "responses"))
    assert_refused(cli("merge", folder), mention=str(folder / "responses"))
    assert tree(outside) == before
    assert not (folder / "record.toml").exists()


@pytest.mark.parametrize(
    ("name", "commands"),
    [
        ("record.toml", [("merge", DIR), ("render", DIR), ("edit", "summary", DIR, "--text", "Overwrite it")]),
        ("postmortem.toml", [("merge", DIR), ("start", DIR, "--name", "Ann", "--answers", "-")]),
    ],
)
def test_a_symlinked_session_or_record_is_refused_and_left_alone(
    cli, tmp_path: Path, outside: Path, name: str, commands: list[tuple[str, ...]]
) -> None:
    folder = tmp_path / "retro"
    assert answer(cli, folder, "Bob").exit_code == 0
    assert cli("merge", folder).exit_code == 0
    (folder / name).unlink()
    (folder / name).symlink_to(outside / "credentials.toml")
    for command in commands:
        result = cli(*(folder if arg is DIR else arg for arg in command), input='[answers]\nwent_well = ["Overwrite it"]\n')
        assert_refused(result, mention=name)
    assert (outside / "credentials.toml").read_text(encoding="utf-8") == SECRET
    assert (folder / name).is_symlink()


def test_a_symlinked_lock_file_is_refused_and_creates_nothing_outside(cli, tmp_path: Path, outside: Path) -> None:
    folder = tmp_path / "retro"
    assert answer(cli, folder, "Bob").exit_code == 0
    (folder / ".record.toml.lock").symlink_to(outside / "made-by-the-lock")
    result = cli("merge", folder)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert ".record.toml.lock" in result.stderr
    assert sorted(p.name for p in outside.iterdir()) == ["credentials.toml"]
    assert not (folder / "record.toml").exists()


def test_a_symlinked_report_is_replaced_not_followed(cli, tmp_path: Path, outside: Path) -> None:
    folder = tmp_path / "retro"
    assert answer(cli, folder, "Bob").exit_code == 0
    assert cli("merge", folder).exit_code == 0
    (folder / "report.md").symlink_to(outside / "credentials.toml")
    assert cli("render", folder, "-o", folder / "report.md").exit_code == 0
    assert (outside / "credentials.toml").read_text(encoding="utf-8") == SECRET
    assert not (folder / "report.md").is_symlink()
    assert "Clear scope" in (folder / "report.md").read_text(encoding="utf-8")


# --- Names --------------------------------------------------------------------------------------------

HOSTILE_NAMES = [
    "../x",
    "../../outside/credentials",
    "/etc/passwd",
    "..",
    ".",
    ".hidden",
    "~",
    "a\x00b",
    "\x00",
    "x" * 5000,
    "C:\\Windows\\system32",
    "$(touch pwned)",
    "CON",
    "con",
    "nul.txt",
    "COM1",
    "lpt9",
    "Aux.toml",
    "\u202eevil\u202c",
    "\U0001f642",
    "José",
    "JOSÉ",
    "Ann\nLee",
]
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,50}[a-z0-9])?$")
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=[repr(n)[:24] for n in HOSTILE_NAMES])
def test_a_name_never_writes_outside_the_responses_folder(cli, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "retro"
    assert answer(cli, folder, "Bob").exit_code == 0
    before = tree(tmp_path)

    result = answer(cli, folder, name)
    if not answers_mod.visible(name):  # a name nobody can read is refused, before anything is written
        assert result.exit_code == 2 and "has no visible character" in result.stderr
        assert {k: v for k, v in tree(tmp_path).items() if not k.startswith("answers-")} == {
            k: v for k, v in before.items() if not k.startswith("answers-")
        }
        return
    assert result.exit_code == 0, result.stderr
    after = tree(tmp_path)
    new = sorted(set(after) - set(before))
    assert new == [k for k in new if k.startswith("answers-")] + [f"retro/responses/{session_mod.slugify(name)}.toml"]
    assert {k: v for k, v in after.items() if k in before and not k.startswith("answers-")} == {
        k: v for k, v in before.items() if not k.startswith("answers-")
    }  # nothing else touched: Bob's file, the session, anything outside
    slug = session_mod.slugify(name)
    assert SLUG.match(slug), slug  # ASCII, lower case: the same file on every file system, whatever the case folding
    assert slug not in RESERVED
    assert read(folder / "responses" / f"{slug}.toml")["name"] == name.strip()


def test_slugs_are_portable_for_every_hostile_name() -> None:
    slugs = {name: session_mod.slugify(name) for name in HOSTILE_NAMES}
    for name, slug in slugs.items():
        assert SLUG.match(slug), (name, slug)
        assert slug not in RESERVED, (name, slug)  # CON, nul.txt -> con-<digest>, nul-txt: never a device on Windows
        assert len(f"{slug}.toml") <= 60
    # Different people get different files unless their names fold to the same letters.
    assert slugs["CON"] != "con" and slugs["\x00"] != slugs["\U0001f642"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Jose", "José"),
        ("Ann Lee", "Ann_Lee"),
        ("Zoë", "Zoe"),
        ("Ann", "Ann!"),
        ("\U0001f642 Ann", "Ann"),
    ],
)
def test_two_people_whose_names_give_one_file_never_share_it(cli, tmp_path: Path, first: str, second: str) -> None:
    folder = tmp_path / "retro"
    assert session_mod.slugify(first) == session_mod.slugify(second)
    assert not session_mod.same_person(first, second)
    assert answer(cli, folder, first, "First person's words").exit_code == 0
    path = folder / "responses" / f"{session_mod.slugify(first)}.toml"
    before = path.read_bytes()

    result = answer(cli, folder, second, "Second person's words")
    assert result.exit_code == 2
    assert "choose another name" in result.stderr and "Traceback" not in result.output
    assert path.read_bytes() == before
    assert [p.name for p in (folder / "responses").iterdir()] == [path.name]

    suggested = re.search(r"for example '([^']+)'", result.stderr).group(1)
    assert answer(cli, folder, suggested, "Second person's words").exit_code == 0
    assert read(path)["answers"]["went_well"] == ["First person's words"]
    other = folder / "responses" / f"{session_mod.slugify(suggested)}.toml"
    assert read(other)["name"] == suggested and read(other)["answers"]["went_well"] == ["Second person's words"]


@pytest.mark.parametrize(
    "again",
    [unicodedata.normalize("NFD", "José"), "JOSÉ", "josé", " José "],
    ids=["nfd", "upper", "lower", "spaces"],
)
def test_the_same_person_in_another_case_or_unicode_form_keeps_one_file(cli, tmp_path: Path, again: str) -> None:
    folder = tmp_path / "retro"
    first = unicodedata.normalize("NFC", "José")
    assert answer(cli, folder, first, "First try").exit_code == 0
    result = answer(cli, folder, again, "Second try")
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in (folder / "responses").iterdir()] == ["jose.toml"]
    assert read(folder / "responses" / "jose.toml")["answers"]["went_well"] == ["Second try"]


def test_two_people_racing_for_one_file_never_share_it(tmp_path: Path) -> None:
    """Jose and José answer at the same moment, in two processes: one file, whole, belonging to one of them."""
    folder = tmp_path / "retro"
    session_mod.create_session(folder, "P", "classic")
    for attempt in range(3):
        for path in (folder / "responses").glob("*"):
            path.unlink()
        procs = {}
        for name in ("Jose", "José"):
            answers = tmp_path / f"{session_mod.same_person(name, 'Jose')}-{attempt}.toml"
            answers.write_text(f'[answers]\nwent_well = ["Written by {name}"]\n', encoding="utf-8")
            procs[name] = subprocess.Popen(
                [sys.executable, "-m", "postmortem", "start", str(folder), "--answers", str(answers), "--name", name],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
        codes = {name: p.wait(timeout=60) for name, p in procs.items()}
        assert sorted(codes.values()) == [0, 2], {n: p.stderr.read() for n, p in procs.items()}
        winner = next(n for n, c in codes.items() if c == 0)
        data = read(folder / "responses" / "jose.toml")
        assert data["name"] == winner and data["answers"]["went_well"] == [f"Written by {winner}"]
        assert [p.name for p in (folder / "responses").iterdir()] == ["jose.toml"]
