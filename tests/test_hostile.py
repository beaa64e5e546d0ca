"""Hostile and broken files: one line naming the file, the line where known and what
is wrong; exit 2; nothing written; never a traceback.

Decisions: `merge` with one bad response refuses the whole merge, naming that file, so nothing is
ever half-merged (the record stays exactly as it was; `postmortem check` lists every bad file at once).
`render` of a bad record and `start --answers` of a bad answers file write nothing at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from conftest import read, write_answers
from postmortem import store

PROJECT = ["--project", "Billing migration", "--date", "2026-11-02"]
WORDS = "Clear scope"
GOOD_RESPONSE = 'schema_version = 1\nname = "Bob"\nrole = "Ops"\nstatus = "complete"\n\n[answers]\nwent_well = ["Clear scope"]\n'
GOOD_ANSWERS = 'name = "Bob"\nrole = "Ops"\n\n[answers]\nwent_well = ["Clear scope"]\nrating = 4\n'


def _deep_arrays(n: int = 10_000) -> bytes:
    return b"name = 'Bob'\nx = " + b"[" * n + b"]" * n + b"\n"


def _deep_tables(n: int = 10_000) -> bytes:
    return b"name = 'Bob'\nx = " + b"{a = " * n + b"1" + b"}" * n + b"\n"


def _deep_dotted_key(n: int = 100_000) -> bytes:
    # tomllib is quadratic on these: unguarded, this 200 KB file ran for minutes and was OOM-killed
    return b"name = 'Bob'\n" + b"a" + b".a" * n + b" = 1\n"


def _deep_headers(n: int = 400) -> bytes:
    return b"name = 'Bob'\n" + b"".join(b"[" + b".".join([b"t"] * i) + b"]\n" for i in range(1, n))


def _too_big(good: str) -> bytes:
    return good.encode() + b"# " + b"x" * store.MAX_BYTES + b"\n"


def _at_line_3(good: str, insert: str) -> str:
    lines = good.split("\n")
    return "\n".join([*lines[:2], insert + lines[2], *lines[3:]])


def _truncated(good: str) -> bytes:
    return good.encode()[: good.index(WORDS) + 4]


def _truncated_line(good: str) -> int:
    return good[: good.index(WORDS)].count("\n") + 1


CONFLICT = "<<<<<<< HEAD\nrole = 'Ops'\n=======\nrole = 'Dev'\n>>>>>>> theirs\n"

# (id, content from a good file, line (or a function of the good file's text), exact problem or a prefix ending in "...")
SYNTAX_CASES = [
    ("truncated", _truncated, _truncated_line, "invalid TOML: ..."),
    ("bom", lambda good: b"\xef\xbb\xbf" + good.encode(), 1, "starts with a byte-order mark; save it as UTF-8 without BOM"),
    ("conflict", lambda good: _at_line_3(good, CONFLICT).encode(), 3, "git conflict marker; resolve the conflict first"),
    ("invalid-utf8", lambda good: _at_line_3(good, "# caf\xe9\n").encode("latin-1"), 3, "not valid UTF-8 (byte ..."),
    ("deep-arrays", lambda good: _deep_arrays(), 2, "invalid TOML: nested too deeply"),
    ("deep-tables", lambda good: _deep_tables(), 2, "invalid TOML: nested too deeply"),
    ("deep-dotted-key", lambda good: _deep_dotted_key(), 2, "invalid TOML: a key nested more than 64 levels deep"),
    ("deep-headers", lambda good: _deep_headers(), 2 + store.MAX_KEY_DEPTH, "invalid TOML: a key nested more than 64 levels deep"),
    ("too-big", _too_big, None, "larger than 1024 KiB"),
    ("newer-schema", lambda good: good.replace("schema_version = 1", "schema_version = 7").encode(), 1,
     "schema_version 7 is newer than this postmortem supports (1); upgrade postmortem"),
]


def _expect_one_line(result, path: Path | str, line, problem: str, good: str = "") -> None:
    line = line(good) if callable(line) else line
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stdout == ""
    where = f"postmortem: {path}:{line}: " if line else f"postmortem: {path}: "
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    if problem.endswith("..."):
        assert lines[0].startswith(where + problem[:-3]), lines[0]
    else:
        assert lines[0] == where + problem


def _start(cli, folder: Path, name: str, answers: dict):
    return cli("start", folder, *PROJECT, "--answers", write_answers(folder.parent, name, answers, role="Dev"))


@pytest.fixture
def folder(cli, tmp_path: Path) -> Path:
    """A post-mortem with Ann's response, merged once (so a failed merge must leave the record alone)."""
    folder = tmp_path / "pm"
    assert _start(cli, folder, "Ann", {"went_well": ["Clear scope"], "improvements": ["Daily check-in"]}).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _answers_cases():
    yield from SYNTAX_CASES
    yield ("wrong-type", lambda good: good.replace('role = "Ops"', "role = 3").encode(), 3, "role must be a string")
    yield ("wrong-answer-type", lambda good: good.replace("rating = 4", 'rating = "4"').encode(), 7,
           "answers.rating must be a whole number from 1 to 5, not '4'")
    yield ("unknown-key", lambda good: good.replace('role = "Ops"', 'colour = "red"').encode(), 3,
           "unknown key 'colour' (an answers file has schema_version, name, role, answers, agreements)")


@pytest.mark.parametrize(("case", "make", "line", "problem"), list(_answers_cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_start_refuses_a_broken_answers_file(cli, tmp_path: Path, case, make, line, problem) -> None:
    good = "schema_version = 1\n" + GOOD_ANSWERS
    bad = tmp_path / "bad.toml"
    bad.write_bytes(make(good))
    result = cli("start", tmp_path / "pm", *PROJECT, "--answers", bad)
    _expect_one_line(result, bad, line, problem, good)
    assert not (tmp_path / "pm").exists()


def test_start_refuses_broken_answers_into_an_existing_post_mortem(cli, folder: Path, tmp_path: Path) -> None:
    before = _snapshot(folder)
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xef\xbb\xbf" + GOOD_ANSWERS.encode())
    _expect_one_line(cli("start", folder, "--answers", bad), bad, 1, "starts with a byte-order mark; save it as UTF-8 without BOM")
    result = cli("start", folder, "--answers", "-", input="name = 'Bob'\n<<<<<<< HEAD\n")
    _expect_one_line(result, "<stdin>", 2, "git conflict marker; resolve the conflict first")
    assert _snapshot(folder) == before


def _response_cases():
    yield from SYNTAX_CASES
    yield ("wrong-type", lambda good: good.replace('status = "complete"', "status = 1").encode(), 4,
           "status must be 'complete' or 'draft', not 1")
    yield ("wrong-answer-type", lambda good: good.replace('went_well = ["Clear scope"]', 'went_well = "Pairing"').encode(),
           7, "answers.went_well must be a list")
    yield ("unknown-key", lambda good: good.replace('role = "Ops"', 'colour = "red"').encode(), 3, "unknown key 'colour'")


@pytest.mark.parametrize(("case", "make", "line", "problem"), list(_response_cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_merge_refuses_a_broken_response_and_leaves_the_record_alone(cli, folder: Path, case, make, line, problem) -> None:
    bad = folder / "responses" / "bob.toml"
    bad.write_bytes(make(GOOD_RESPONSE))
    before = _snapshot(folder)
    _expect_one_line(cli("merge", folder), bad, line, problem, GOOD_RESPONSE)
    assert _snapshot(folder) == before  # nothing half-merged, no temp file left
    bad.write_text(GOOD_RESPONSE, encoding="utf-8")  # fixed: the merge now takes both
    assert cli("merge", folder).exit_code == 0
    assert read(folder / "record.toml")["participant_count"] == 2


def _record_cases():
    yield from SYNTAX_CASES
    yield ("wrong-type", lambda good: good.replace('project = "Billing migration"', "project = 3").encode(), _line_of("project"),
           "project must be text, not a number")
    yield ("wrong-date", lambda good: good.replace("date = 2026-11-02", 'date = "soon"').encode(), _line_of("date"),
           "date must be a date such as 2026-11-20, not 'soon'")
    yield ("wrong-sections", lambda good: good.replace("[[sections]]", "[[sectionz]]").encode(), _line_of("[[sections]]"),
           "sectionz is not a key of the record here (known: ...")


def _line_of(start: str):
    """The line of a good file that starts with start."""
    return lambda good: next(n for n, line in enumerate(good.splitlines(), 1) if line.startswith(start))


@pytest.mark.parametrize(("case", "make", "line", "problem"), list(_record_cases()), ids=lambda v: v if isinstance(v, str) else "")
def test_render_refuses_a_broken_record(cli, folder: Path, case, make, line, problem) -> None:
    record = folder / "record.toml"
    good = record.read_text(encoding="utf-8")
    if case == "too-big":
        pytest.skip("the record's cap is 256 MiB; covered for responses and answers files")
    record.write_bytes(make(good))
    before = _snapshot(folder)
    report = folder.parent / "report.md"
    _expect_one_line(cli("render", folder, "-o", report), record, line, problem, good)
    _expect_one_line(cli("render", record, "--to", "html"), record, line, problem, good)
    assert not report.exists()
    assert _snapshot(folder) == before


def test_missing_schema_version_is_read_as_version_1(cli, folder: Path, tmp_path: Path) -> None:
    (folder / "responses" / "bob.toml").write_text(GOOD_RESPONSE.replace("schema_version = 1\n", ""), encoding="utf-8")
    answers = tmp_path / "cy.toml"
    answers.write_text(GOOD_ANSWERS.replace("Bob", "Cy"), encoding="utf-8")  # answers files never need one
    assert cli("start", folder, "--answers", answers).exit_code == 0
    assert read(folder / "responses" / "cy.toml")["schema_version"] == 1
    session = folder / "postmortem.toml"
    session.write_text(session.read_text(encoding="utf-8").replace("schema_version = 1\n", ""), encoding="utf-8")
    result = cli("merge", folder)
    assert result.exit_code == 0, result.output
    record = read(folder / "record.toml")
    assert record["schema_version"] == 1 and record["participant_count"] == 3
    path = folder / "record.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("schema_version = 1\n", ""), encoding="utf-8")
    result = cli("render", folder, "--answers-page", folder / "answers.md")
    assert result.exit_code == 0 and "## Bob, Ops" in (folder / "answers.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["Ann", "ANN ", "Ａｎｎ"])
def test_two_files_claiming_one_participant_are_both_named(cli, folder: Path, name: str) -> None:
    other = folder / "responses" / "ann2.toml"
    other.write_text(GOOD_RESPONSE.replace('name = "Bob"', f'name = "{name}"'), encoding="utf-8")
    before = _snapshot(folder)
    result = cli("merge", folder)
    _expect_one_line(
        result, other, 2,
        f"claims the same participant {name.strip()!r} as {folder / 'responses' / 'ann.toml'}; remove one of the two files",
    )
    assert _snapshot(folder) == before


def test_session_file_problems_stop_every_command_with_one_line(cli, folder: Path) -> None:
    session = folder / "postmortem.toml"
    session.write_text(session.read_text(encoding="utf-8").replace("schema_version = 1", "schema_version = 3"), encoding="utf-8")
    for args in (["merge", folder], ["start", folder, "--name", "Cy", "--no-input"]):
        result = cli(*args)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert result.stderr.startswith(f"postmortem: {session}:1: schema_version 3 is newer") and "upgrade postmortem" in result.stderr
        assert len(result.stderr.splitlines()) == 1
    session.write_bytes(b"project = 'X'\ndate = 2026-11-02\n<<<<<<< ours\n")
    _expect_one_line(cli("merge", folder), session, 3, "git conflict marker; resolve the conflict first")


def test_a_response_is_refused_even_when_its_dates_are_fine(cli, folder: Path) -> None:
    # a TOML date where text is expected names the key; it is not quietly turned into text
    bad = folder / "responses" / "bob.toml"
    bad.write_text(GOOD_RESPONSE.replace('["Clear scope"]', "[2026-11-02]"), encoding="utf-8")
    _expect_one_line(cli("merge", folder), bad, 7, "answers.went_well[1] must be text or a table")
    assert dt.date(2026, 11, 2)  # keeps the import honest


def test_a_hostile_file_name_cannot_reach_the_terminal(cli, folder: Path) -> None:
    bad = folder / "responses" / "x\x1b]0;pwned\x07\nline.toml"
    bad.write_text("name = \n", encoding="utf-8")
    result = cli("merge", folder)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.stderr.splitlines()) == 1 and "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "invalid TOML" in result.stderr and "line.toml" in result.stderr


@pytest.mark.parametrize(
    ("command", "extra"), [("render", ()), ("edit", ("A1", "--owner", "Ann")), ("groups", ()), ("vote", ("--name", "Ann"))]
)
def test_the_command_a_message_suggests_is_quoted_for_the_shell(cli, tmp_path: Path, command: str, extra: tuple) -> None:
    """Every `postmortem ...` a message tells the user to run stands for the folder as named, pasted
    into a shell: a folder called `Q3 $(touch PWNED)` runs nothing."""
    from test_remind import shown_command_runs_as

    folder = tmp_path / "Q3 $(touch PWNED) it's"
    assert cli("start", folder, "--project", "Billing", "--no-input").exit_code == 0
    args = (extra[0], folder, *extra[1:]) if command == "edit" else (folder, *extra)
    result = cli(command, *args)
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    shown = message[message.index("`postmortem ") + 1 :].split("`")[0]
    assert shown_command_runs_as(shown, tmp_path) == ["merge", str(folder)]
    assert not list(tmp_path.rglob("PWNED"))
