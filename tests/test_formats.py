"""Every built-in set: interviewed through the real prompts and through an answers file, merged, rendered."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from conftest import write_answers
from postmortem import questionsets
from postmortem.questionsets import Question
from test_interview import ENTER, assert_no_hang, drive, lines, read

ROTI = "Return on time invested"
HEADINGS = {
    "classic": ["What went well", "What went poorly", "Improvements", "Stakeholders", "Key takeaways", "Ratings", ROTI],
    "internal-service": [
        "Who served whom", "Whom we served", "Who served us", "Expectations set up front", "Good service",
        "Poor service, and what could have been done instead", "Improvements", "Service scorecard", "Key takeaways", ROTI,
    ],
    "start-stop-continue": ["Start doing", "Stop doing", "Continue doing", "Working agreements", ROTI],
    "4ls": ["Liked", "Learned", "Lacked", "Longed for", "Actions", ROTI],
    "mad-sad-glad": ["Mad", "Sad", "Glad", "Actions", ROTI],
    "incident": [
        "Summary", "Impact", "Root causes", "Trigger", "Resolution", "Detection", "Action items", "Lessons learned",
        "Timeline", ROTI,
    ],
}
FIELD_VALUES = {"owner": "Kim", "due": "2027-01-15", "instead": "Ask a day ahead"}


def builtin_ids() -> list[str]:
    return sorted(p.stem for p in questionsets.builtin_dir().glob("*.toml"))


def test_every_builtin_set_is_covered() -> None:
    assert builtin_ids() == sorted(HEADINGS)


def test_formats_lists_every_builtin_set(cli) -> None:
    """Against the list above, not the code that finds the sets: a set dropped there is caught here."""
    listing = {line.split()[0]: line for line in cli("formats").stdout.splitlines()}
    for set_id in HEADINGS:
        assert set_id in listing, f"{set_id} missing from `formats`"
        assert listing[set_id].endswith(questionsets.load(set_id).description)


def label(question: Question) -> str:
    return question.id.replace("_", "-")


def keys_for(question: Question) -> str:
    """Keystrokes answering one question with one entry (the first choice where there is a choice)."""
    if question.kind == "items":
        fields = "".join(ENTER if f == "type" else lines(FIELD_VALUES[f]) for f in question.fields)
        return lines(f"{label(question)} entry") + fields + ENTER
    if question.kind == "people":
        return lines("Pat", "Partner team", "Answers within a day", "")
    if question.kind == "events":
        return lines("09:00", f"{label(question)} event", "")
    if question.kind == "scores":
        return lines("Support") + "".join("4" + ENTER for _ in question.dimensions) + ENTER
    if question.kind in ("rating", "choice"):
        return "4" + ENTER if question.kind == "rating" else "1" + ENTER  # the first choice; Enter alone skips
    return lines(f"{label(question)} text")


def answer_for(question: Question):
    if question.kind == "items":
        entry = {"text": f"{label(question)} entry"}
        entry.update({f: dt.date(2027, 1, 15) if f == "due" else v for f, v in FIELD_VALUES.items() if f in question.fields})
        if "type" in question.fields:
            entry["type"] = question.types[0]
        return [entry]
    if question.kind == "people":
        return [{"name": "Pat", "role": "Partner team", "interest": "Answers within a day"}]
    if question.kind == "events":
        return [{"time": "09:00", "what": f"{label(question)} event"}]
    if question.kind == "scores":
        return [{question.key: "Support", **{d: 4 for d in question.dimensions}}]
    if question.kind == "rating":
        return 4
    if question.kind == "choice":
        return question.choices[0]
    return f"{label(question)} text"


def headings(report: str) -> list[str]:
    return [line[3:] for line in report.splitlines() if line.startswith("## ")]


@pytest.mark.parametrize("set_id", sorted(HEADINGS))
def test_interviewed_through_the_prompts(cli, tmp_path: Path, set_id: str) -> None:
    qset = questionsets.load(set_id)
    folder = tmp_path / "pm"
    args = ["start", str(folder), "--project", "P", "--format", set_id, "--name", "Ann", "--role", "QA", "--no-nudges"]
    run = drive(args, "".join(keys_for(q) for q in qset.questions))
    assert_no_hang(run)
    assert run.code == 0, run.result.stderr
    response = read(folder / "responses" / "ann.toml")
    assert response["status"] == "complete"
    assert sorted(response["answers"]) == sorted(q.id for q in qset.questions)
    assert cli("merge", folder).exit_code == 0
    report = cli("render", folder).stdout
    assert headings(report) == HEADINGS[set_id]
    for question in qset.questions:
        if question.kind in ("items", "text", "events"):
            assert label(question) in report


@pytest.mark.parametrize("set_id", sorted(HEADINGS))
def test_answered_from_a_file(cli, tmp_path: Path, set_id: str) -> None:
    qset = questionsets.load(set_id)
    folder = tmp_path / "pm"
    answers = write_answers(tmp_path, "Ann", {q.id: answer_for(q) for q in qset.questions})
    result = cli("start", folder, "--project", "P", "--format", set_id, "--answers", answers)
    assert result.exit_code == 0, result.stderr
    assert cli("merge", folder).exit_code == 0
    assert headings(cli("render", folder).stdout) == HEADINGS[set_id]


def test_prompt_examples_name_nobody_from_the_worked_example() -> None:
    """Everyone's interview shows the prompts: their examples are neutral, not about the worked example's team."""
    from postmortem import nudges

    names = re.compile(r"\b(Kyle|Jessica|Linda|Marcus|Priya)\b")
    for set_id in questionsets.known_ids():
        for question in questionsets.load(set_id).questions:
            assert not names.search(question.prompt + question.help), (set_id, question.id)
    assert not names.search(nudges.TANGIBLE_EXAMPLE)


# The command line calls a question set a format (`start --format`, the `formats` command, the
# `format` key, which `check` names as the key path of a problem); everything it prints says
# question set otherwise (docs/question-sets.md).
CLI_NAMES = re.compile(r"--format\b|\bpostmortem formats\b|:\d+: format: ")


def format_as_a_noun(text: str) -> list[str]:
    """Each "format" left in printed text once the command line's own names for a question set are taken out."""
    text = re.sub(r"^ +formats +", "", text, flags=re.MULTILINE)  # the command, in the list `--help` prints
    return re.findall(r"\bformats?\b", CLI_NAMES.sub("", " ".join(text.split())), re.IGNORECASE)


def test_the_check_for_format_as_a_noun_finds_it() -> None:
    """Control: the messages this program printed before are caught; its names for the option, command and key are not."""
    assert format_as_a_noun("unknown format 'nope'; known formats: 4ls, classic") == ["format", "formats"]
    assert format_as_a_noun("DATE  PROJECT  FORMAT  PEOPLE") == ["FORMAT"]
    assert format_as_a_noun("pm/postmortem.toml:3: format: unknown question set 'x'; see `postmortem\n formats` or --format") == []
    assert format_as_a_noun("Commands:\n  formats  List the question sets\n") == []


@pytest.mark.parametrize(
    "args",
    [
        ("start", "{new}", "--project", "P", "--format", "nope", "--no-input"),
        ("formats", "nope"),
        ("check", "{unknown}"),
        ("status", "{unknown}"),
        ("history", "{merged}"),
        ("render", "{merged}"),
        ("--help",),
        ("start", "--help"),
        ("formats", "--help"),
    ],
    ids=lambda args: " ".join(a for a in args if "{" not in a),
)
def test_what_is_printed_says_question_set(cli, tmp_path: Path, args: tuple[str, ...]) -> None:
    merged, unknown = tmp_path / "merged", tmp_path / "unknown"
    answers = write_answers(tmp_path, "Ann", {"went_well": ["Clear scope"], "rating": 4})
    assert cli("start", merged, "--project", "P", "--date", "2026-11-20", "--answers", answers).exit_code == 0
    assert cli("merge", merged).exit_code == 0
    assert cli("start", unknown, "--project", "P", "--no-input").exit_code == 0
    (unknown / "questions.toml").unlink()  # the session names its set by id alone, as sessions made before copies did
    session = unknown / "postmortem.toml"
    session.write_text(session.read_text(encoding="utf-8").replace('format = "classic"', 'format = "nosuch"'), encoding="utf-8")
    folders = {"new": tmp_path / "new", "merged": merged, "unknown": unknown}
    result = cli(*(a.format(**folders) for a in args))
    printed = result.stdout + result.stderr
    assert "question set" in printed.casefold(), printed
    assert format_as_a_noun(printed) == [], printed
