"""One validator: `check` lists a file exactly when the other commands refuse it, with the line,
and no hand edit of a record makes any command print a traceback."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import write_answers

from postmortem import store

PROJECT = ["--project", "Billing migration", "--date", "2026-11-02"]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    from typer.testing import CliRunner

    from postmortem.cli import app

    root = tmp_path_factory.mktemp("pristine")
    folder = root / "pm"
    runner = CliRunner()
    for name, answers in (
        ("Linda", {"went_well": ["Clear scope"], "improvements": ["Daily check-in at 9:00"], "rating": 3}),
        ("Kyle", {"improvements": ["Ask for an extra resource", {"text": "Book rooms early", "owner": "Kyle"}], "rating": 4}),
    ):
        args = ["start", str(folder), *PROJECT, "--answers", str(write_answers(root, name, answers))]
        assert runner.invoke(app, args).exit_code == 0
    assert runner.invoke(app, ["merge", str(folder)]).exit_code == 0
    return folder


def _edit(path: str, old: str, new: str, count: int = 1):
    def apply(folder: Path) -> None:
        target = folder / path
        text = target.read_text(encoding="utf-8")
        assert old in text, (path, old)
        target.write_text(text.replace(old, new, count), encoding="utf-8")
    return apply


def _append(path: str, extra: str):
    def apply(folder: Path) -> None:
        with open(folder / path, "a", encoding="utf-8") as handle:
            handle.write(extra)
    return apply


def _rename(old: str, new: str):
    def apply(folder: Path) -> None:
        (folder / old).rename(folder / new)
    return apply


R, K, L = "record.toml", "responses/kyle.toml", "responses/linda.toml"
BROKEN = {
    # records as a facilitator might leave them
    "item-without-text": _edit(R, 'text = "Clear scope"', 'txt = "Clear scope"'),
    "wordings-a-number": _edit(R, "count = 1\n", "count = 1\nwordings = 5\n"),
    "next-id-text": _edit(R, "next_action_id = 4", 'next_action_id = "abc"'),
    "id-a-list": _edit(R, 'id = "A2"', 'id = ["A2"]'),
    "id-a-number": _edit(R, 'id = "A2"', "id = 2"),
    "id-twice": _edit(R, 'id = "A2"', 'id = "A1"'),
    "date-a-date-time": _edit(R, "date = 2026-11-02", "date = 2026-11-02T09:00:00"),
    "due-a-date-time": _edit(R, 'owner = "Kyle"', 'owner = "Kyle"\ndue = 2026-12-01T10:00:00'),
    "negative-distribution": _edit(R, "distribution = [\n    0,", "distribution = [\n    -25000000,"),
    "huge-distribution": _edit(R, "distribution = [\n    0,", "distribution = [\n    1e308,"),
    "negative-count": _edit(R, "count = 1\n", "count = -1\n"),
    "unknown-status": _edit(R, 'status = "open"', 'status = "finished"'),
    "votes-text": _edit(R, 'status = "open"', 'status = "open"\nvotes = "many"'),
    "mean-out-of-range": _edit(R, "mean = 3.5", "mean = 35.0"),
    "sections-a-table": _edit(R, "[[sections]]", "[sectionz]", 1),
    "kind-a-list": _edit(R, 'kind = "rating"', "kind = []"),
    "carried-over-text": _edit(R, "participant_count = 2\n", 'participant_count = 2\ncarried_over = "A1"\n'),
    "record-typo-key": _edit(R, 'owner = "Kyle"', 'ownr = "Kyle"'),
    # responses
    "overspent-votes": _append(K, "\n[votes]\nA1 = 2\nA2 = 2\n"),
    "votes-not-numbers": _append(K, '\n[votes]\nA1 = "two"\n'),
    "response-unknown-key": _edit(K, 'name = "Kyle"', 'name = "Kyle"\ncolour = "red"'),
    "response-bad-status": _edit(K, 'status = "complete"', 'status = "finished"'),
    "response-bad-rating": _edit(K, "rating = 4", "rating = 9"),
    "response-misnamed": _rename(K, "responses/kyle-old.toml"),
    "response-second-of-one-person": _edit(L, 'name = "Linda"', 'name = "Kyle"'),
    # the session and its question set
    "session-dots-zero": _append("postmortem.toml", "dots = 0\n"),
    "session-unknown-key": _append("postmortem.toml", "colour = 1\n"),
    "questions-bad-kind": _edit("questions.toml", 'kind = "rating"', 'kind = "stars"'),
}
FINE = {
    "untouched": lambda folder: None,
    "due-typed-as-text": _edit(R, 'owner = "Kyle"', 'owner = "Kyle"\ndue = "2026-12-01"'),
    "a-vote-for-an-id-no-longer-there": _append(K, "\n[votes]\nA9 = 1\n"),
    "a-note-and-a-summary": _edit(R, 'owner = "Kyle"', 'owner = "Kyle"\nnotes = "Booked"'),
}


def _folder(pristine: Path, tmp_path: Path, case) -> Path:
    folder = tmp_path / "pm"
    shutil.copytree(pristine, folder)
    case(folder)
    return folder


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_check_lists_what_merge_refuses_with_the_same_line(cli, pristine: Path, tmp_path: Path, name: str) -> None:
    folder = _folder(pristine, tmp_path, BROKEN[name])
    checked = cli("check", folder)
    merged = cli("merge", folder)
    assert checked.exit_code == 1, checked.output
    assert merged.exit_code == 2, merged.output
    assert "Traceback" not in checked.output + merged.output
    refusal = re.fullmatch(r"postmortem: (.+)\n", merged.stderr)
    assert refusal, merged.stderr
    assert refusal.group(1) in checked.stdout.splitlines()  # merge's line is one of check's, file, line and all
    assert re.match(r".+:\d+: ", refusal.group(1)), refusal.group(1)  # and names the line


@pytest.mark.parametrize("name", sorted(FINE))
def test_check_passes_what_merge_takes(cli, pristine: Path, tmp_path: Path, name: str) -> None:
    folder = _folder(pristine, tmp_path, FINE[name])
    assert cli("check", folder).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    assert cli("check", folder).exit_code == 0  # and what merge wrote passes too


RECORD_CASES = sorted(k for k in BROKEN if BROKEN[k].__closure__ and R in [c.cell_contents for c in BROKEN[k].__closure__])


@pytest.mark.parametrize("name", RECORD_CASES)
def test_every_command_reading_a_broken_record_says_one_line(cli, pristine: Path, tmp_path: Path, name: str) -> None:
    folder = _folder(pristine, tmp_path, BROKEN[name])
    wiki = tmp_path / "wiki"
    wiki.mkdir()
    for args in (
        ["render", folder], ["render", folder, "--to", "html"], ["actions", folder], ["actions", "done", "A1", folder],
        ["history", folder], ["edit", "A1", folder, "--owner", "Ann"], ["move", "Clear scope", folder, "--out"],
        ["vote", folder, "--name", "Kyle", "--votes", "A1=1"], ["publish", folder, wiki, "--style", "plain"],
        ["groups", folder],
    ):
        result = cli(*args)
        if result.exit_code == 2 and "No such command" in result.output:
            continue  # a command this version does not have
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert re.search(r"record\.toml:\d+: ", result.stderr), (args, result.stderr)


def test_check_lists_every_problem_of_a_record(cli, pristine: Path, tmp_path: Path) -> None:
    folder = _folder(pristine, tmp_path, lambda f: None)
    for name in ("item-without-text", "next-id-text", "id-a-list", "negative-distribution", "record-typo-key"):
        BROKEN[name](folder)
    result = cli("check", folder / "record.toml")
    problems = result.stdout.splitlines()
    assert len(problems) == 6, result.stdout  # the misspelt key, and the text it leaves missing
    assert all(re.match(rf"{re.escape(str(folder / 'record.toml'))}:\d+: ", p) for p in problems)


def test_a_broken_record_beside_the_others_is_named_and_skipped(cli, pristine: Path, tmp_path: Path) -> None:
    """Carry-over, actions, history and publish's index go on with the records that read."""
    good = _folder(pristine, tmp_path, lambda f: None)
    broken = tmp_path / "broken"
    shutil.copytree(pristine, broken)
    BROKEN["id-a-list"](broken)
    session = broken / "postmortem.toml"
    session.write_text(session.read_text(encoding="utf-8").replace("2026-11-02", "2026-10-01"), encoding="utf-8")
    record = broken / "record.toml"
    record.write_text(record.read_text(encoding="utf-8").replace("date = 2026-11-02", "date = 2026-10-01"), encoding="utf-8")
    named = re.compile(rf"skipped: {re.escape(str(record))}:\d+: sections\[3\]\.items\[2\]\.id must be text")

    merged = cli("merge", good)  # its earlier sibling's open actions would be carried over
    assert merged.exit_code == 0 and named.search(merged.stderr), merged.stderr
    for command in ("actions", "history"):
        result = cli(command, good, broken)
        assert result.exit_code == 2 and named.search(result.stderr), result.stderr
        assert "Billing migration" in result.stdout and "Traceback" not in result.output

    wiki = tmp_path / "wiki"
    wiki.mkdir()
    assert cli("publish", good, wiki, "--style", "plain").exit_code == 0
    page = next(wiki.glob("*.record.toml"))
    shutil.copy(record, page)  # the copy published in the wiki is broken by hand
    for other in wiki.glob("*.md"):
        if other.name != "index.md":
            other.rename(wiki / f"{page.name[: -len('.record.toml')]}.md")
    session = good / "postmortem.toml"
    session.write_text(session.read_text(encoding="utf-8").replace("Billing migration", "Billing migration two"), encoding="utf-8")
    assert cli("merge", good).exit_code == 0
    published = cli("publish", good, wiki, "--style", "plain")
    assert published.exit_code == 0, published.output
    assert f"left out of the index: {page}:" in published.stderr


def _paths(value, key=()):
    """Every key path in a TOML value, tables and lists included."""
    yield key
    if isinstance(value, dict):
        for name, inner in value.items():
            yield from _paths(inner, (*key, name))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*key, index))


STRANGE = st.sampled_from([
    -1, 0, 3, 10**12, 1e308, -0.5, True, "", "x", "A1", "\u200b", [], [1], ["x"], {}, {"text": 5},
    dt.date(2026, 11, 2), dt.datetime(2026, 11, 2, 9, 0), dt.time(9, 0),
])


@pytest.mark.slow
@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_check_and_merge_agree_on_any_one_value_changed(cli, pristine: Path, tmp_path_factory, data) -> None:
    """Any one value of a response, the session or the record replaced by a strange one: check
    lists the file exactly when merge refuses it, with merge's line among check's."""
    folder = tmp_path_factory.mktemp("changed") / "pm"
    shutil.copytree(pristine, folder)
    path = folder / data.draw(st.sampled_from([K, L, R, "postmortem.toml"]))
    content = tomllib.loads(path.read_text(encoding="utf-8"))
    key = data.draw(st.sampled_from([k for k in _paths(content) if k]))
    holder = content
    for part in key[:-1]:
        holder = holder[part]
    holder[key[-1]] = data.draw(STRANGE)
    try:
        path.write_text(store.dumps(content), encoding="utf-8")
    except (TypeError, ValueError):  # not writable as TOML (a list of tables and values mixed, say)
        return
    checked, merged = cli("check", folder), cli("merge", folder)
    assert "Traceback" not in checked.output + merged.output
    assert merged.exit_code in (0, 2) and checked.exit_code in (0, 1), (checked.output, merged.output)
    assert (checked.exit_code == 1) == (merged.exit_code == 2), (key, checked.output, merged.output)
    if merged.exit_code == 2:
        assert merged.stderr.removeprefix("postmortem: ").rstrip("\n") in checked.stdout.splitlines()
    for args in (["render", folder], ["render", folder, "--to", "html"], ["actions", "--all", folder], ["history", folder]):
        result = cli(*args)  # the record as merge left it, or as changed when merge refused
        assert "Traceback" not in result.output and result.exit_code in (0, 2), (args, result.output)
        assert result.exit_code == 0 or checked.exit_code == 1, (args, key, result.output)  # what check passes works
