"""The incident review: the `events` kind, typed action items, incident facts, and the SRE-ordered report.

The interview is driven through the real questionary prompts with a prompt_toolkit pipe input,
as in test_interview.py; the answers-file path goes through the CLI with CliRunner.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from conftest import read, write_answers
from postmortem import questionsets
from postmortem.errors import PostmortemError
from test_interview import ENTER, assert_no_hang, lines
from test_interview import drive as interview_drive

PROJECT = ["--project", "Checkout outage", "--format", "incident", "--date", "2026-11-20"]

REPORT_HEADINGS = [
    "Incident review: Checkout outage",
    "Summary", "Impact", "Root causes", "Trigger", "Resolution", "Detection", "Action items",
    "Lessons learned", "What went well", "What went wrong", "Where we got lucky",
    "Timeline", "Return on time invested",
]


def drive(args: list[str], keys: str) -> tuple[Any, str]:
    """Run `postmortem ARGS` with keys typed at the prompts; returns the result and the screen."""
    run = interview_drive(args, keys)
    assert_no_hang(run)
    return run.result, run.screen


def headings(markdown: str) -> list[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    return [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]


def table_rows(markdown: str, first_header: str) -> list[list[str]]:
    """The body rows of the table whose first header cell is first_header, as cell texts."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    rows: list[list[str]] = []
    current: list[str] | None = None
    inside = in_body = False
    for index, token in enumerate(tokens):
        if token.type == "table_open":
            inside = tokens[index + 3].type == "th_open" and tokens[index + 4].content == first_header
        elif token.type == "tbody_open":
            in_body = inside
        elif token.type == "tbody_close":
            in_body = False
        elif in_body and token.type == "tr_open":
            current = []
        elif in_body and token.type == "inline" and current is not None:
            current.append("".join(child.content for child in token.children or []))
        elif in_body and token.type == "tr_close" and current is not None:
            rows.append(current)
    return rows


def merge_and_render(cli, folder: Path) -> str:
    merged = cli("merge", folder)
    assert merged.exit_code == 0, merged.output
    rendered = cli("render", folder)
    assert rendered.exit_code == 0, rendered.output
    return rendered.stdout


# The whole incident set answered at the keyboard, question by question.
INTERVIEW = (
    lines("Checkout failed for 46 minutes.")  # summary
    + lines("About 3,100 checkouts failed.")  # impact
    + "2" + ENTER  # severity: the second choice, SEV-2
    + lines("09:03", "09:08", "2026-11-18T09:49")  # started, detected, resolved
    + lines("A marketing email tripled traffic.")  # trigger
    + lines("28 pods need 280 connections; Postgres allows 200", "")  # root causes
    + lines("Support saw tickets before the alert fired.")  # detection
    + lines("Capped the replicas at 12.")  # resolution
    + lines("09:19", "Alert paged on-call", "09:03", "First payment failures", "next morning", "Apology emails sent", "")
    + lines("The rollback runbook worked", "")  # went well
    + lines("The alert waits 10 minutes", "")  # went wrong
    + lines("")  # got lucky: nothing
    + lines("Size the connection pools from the replica limit", "Dariusz") + "1" + ENTER  # type: prevent
    + lines("Page on-call after 2 minutes", "") + "5" + ENTER  # no owner; type: Skip
    + lines("")  # end of the action items
    + "4" + ENTER  # ROTI: 4 Worth it
)

INTERVIEW_ANSWERS = {
    "summary": "Checkout failed for 46 minutes.",
    "impact": "About 3,100 checkouts failed.",
    "severity": "SEV-2",
    "started_at": "09:03",
    "detected_at": "09:08",
    "resolved_at": "2026-11-18T09:49",
    "trigger": "A marketing email tripled traffic.",
    "root_causes": ["28 pods need 280 connections; Postgres allows 200"],
    "detection": "Support saw tickets before the alert fired.",
    "resolution": "Capped the replicas at 12.",
    "timeline": [
        {"time": "09:19", "what": "Alert paged on-call"},
        {"time": "09:03", "what": "First payment failures"},
        {"time": "next morning", "what": "Apology emails sent"},
    ],
    "went_well": ["The rollback runbook worked"],
    "went_wrong": ["The alert waits 10 minutes"],
    "actions": [
        {"text": "Size the connection pools from the replica limit", "owner": "Dariusz", "type": "prevent"},
        "Page on-call after 2 minutes",
    ],
    "roti": 4,
}


def test_incident_interview_through_the_prompts_then_merge_and_render(cli, tmp_path: Path) -> None:
    folder = tmp_path / "incident"
    result, screen = drive(["start", str(folder), *PROJECT, "--name", "Aisha", "--role", "SRE"], INTERVIEW)
    assert result.exit_code == 0, result.stderr
    data = read(folder / "responses" / "aisha.toml")
    assert data["status"] == "complete"
    assert data["answers"] == INTERVIEW_ANSWERS
    questions = questionsets.load("incident").questions
    positions = [screen.index(f"({n}/{len(questions)}) {q.heading}") for n, q in enumerate(questions, 1)]
    assert positions == sorted(positions)
    assert "kept as written" in screen  # "next morning" is not a time: said so, and kept
    assert "What kind of action is it?" in screen and "mitigate" in screen

    report = merge_and_render(cli, folder)
    assert headings(report) == REPORT_HEADINGS
    assert "**Severity:** SEV-2" in report
    assert "**Time to detect:** 5 min" in report and "**Time to resolve:** 41 min" in report
    assert "**Duration:** 46 min" in report
    assert table_rows(report, "ID") == [
        ["A1", "Size the connection pools from the replica limit", "prevent", "Dariusz", "open", "Aisha"],
        ["A2", "Page on-call after 2 minutes", "—", "—", "open", "Aisha"],
    ]
    assert table_rows(report, "Time") == [
        ["09:03", "First payment failures", "Aisha"],
        ["09:19", "Alert paged on-call", "Aisha"],
        ["next morning", "Apology emails sent", "Aisha"],
    ]


def test_ctrl_c_between_an_events_time_and_what_keeps_the_earlier_events(tmp_path: Path) -> None:
    """An event is stored once it has both parts, so a draft never holds an event the answers check refuses."""
    folder = tmp_path / "incident"
    before_timeline = "".join(ENTER for _ in range(2)) + "5" + ENTER + "".join(ENTER for _ in range(5)) + ENTER + ENTER
    keys = before_timeline + lines("09:19", "Alert paged on-call", "09:25") + "\x03"
    result, _ = drive(["start", str(folder), *PROJECT, "--name", "Aisha", "--role", "SRE"], keys)
    assert result.exit_code == 130
    draft = read(folder / "responses" / "aisha.toml")
    assert draft["status"] == "draft"
    assert draft["answers"] == {"timeline": [{"time": "09:19", "what": "Alert paged on-call"}]}

    # The same command again resumes at the timeline, shows the event given, and takes the rest.
    rest = lines("09:25", "Rolled back", "") + lines("", "", "", "") + "6" + ENTER
    result, screen = drive(["start", str(folder), *PROJECT, "--name", "Aisha", "--role", "SRE"], rest)
    assert result.exit_code == 0, result.stderr
    assert "09:19  Alert paged on-call" in screen
    answers = read(folder / "responses" / "aisha.toml")["answers"]
    assert answers["timeline"] == [{"time": "09:19", "what": "Alert paged on-call"}, {"time": "09:25", "what": "Rolled back"}]


ANN = {
    "summary": "Checkout was down for 46 minutes.",
    "severity": "SEV-2",
    "started_at": "2026-11-18T09:03",
    "detected_at": "09:19",
    "resolved_at": "09:41",
    "impact": "3,100 failed checkouts.",
    "root_causes": ["Pods x pool size exceeded max_connections"],
    "timeline": [
        {"time": "09:19", "what": "Alert paged on-call"},
        {"time": dt.datetime(2026, 11, 18, 9, 3, tzinfo=dt.timezone.utc), "what": "First payment failures"},
        {"time": "next morning", "what": "Apology emails sent"},
        {"time": "09:41", "what": "Error rate a | b back to normal"},
    ],
    "went_well": ["Runbook worked"],
    "got_lucky": ["Weekday morning"],
    "actions": [{"text": "Size pools from the replica limit", "owner": "Dariusz", "type": "Prevent"}],
    "roti": 5,
}
BEN = {
    "severity": "SEV-1",
    "detected_at": "09:08",
    "resolved_at": "09:49",
    "trigger": "Marketing email at 09:00.",
    "timeline": [
        {"time": "later", "what": "Status page updated"},
        {"time": "9:19", "what": "alert paged ON-CALL."},  # the same event as Ann's, written differently
        {"time": "09:08", "what": "First support tickets"},
        {"time": "09:19", "what": "Mei took incident command"},  # same time, another event
    ],
    "went_wrong": ["Alert too slow"],
    "actions": [
        {"text": "Page sooner on checkout errors", "owner": "Cleo", "type": "mitigate"},
        {"text": "Share marketing's calendar with on-call", "type": "process"},
    ],
    "roti": 4,
}


def start_with(cli, folder: Path, name: str, answers: dict[str, Any]):
    return cli("start", folder, *PROJECT, "--answers", write_answers(folder.parent, name, answers, role="Dev"))


def test_incident_answers_files_merged_and_rendered(cli, tmp_path: Path) -> None:
    folder = tmp_path / "incident"
    for name, answers in (("Ben", BEN), ("Ann", ANN)):
        result = start_with(cli, folder, name, answers)
        assert result.exit_code == 0, result.output
    stored = read(folder / "responses" / "ann.toml")["answers"]
    assert stored["timeline"][1] == {"time": "2026-11-18T09:03:00+00:00", "what": "First payment failures"}
    assert stored["actions"] == [{"text": "Size pools from the replica limit", "owner": "Dariusz", "type": "prevent"}]

    report = merge_and_render(cli, folder)
    assert headings(report) == REPORT_HEADINGS

    record = read(folder / "record.toml")
    timeline = next(s for s in record["sections"] if s["id"] == "timeline")["events"]
    # Sorted by time; Ann's 09:19 and Ben's 9:19 are one event; texts that are not times come last, in order.
    assert [(e["time"], e["what"], e["raised_by"]) for e in timeline] == [
        ("2026-11-18T09:03:00+00:00", "First payment failures", ["Ann"]),
        ("09:08", "First support tickets", ["Ben"]),
        ("09:19", "Alert paged on-call", ["Ann", "Ben"]),
        ("09:19", "Mei took incident command", ["Ben"]),
        ("09:41", "Error rate a | b back to normal", ["Ann"]),
        ("next morning", "Apology emails sent", ["Ann"]),
        ("later", "Status page updated", ["Ben"]),
    ]
    # HH:MM is read on the incident's day, from Ann's full start time, not on the session date.
    assert timeline[1]["at"] == dt.datetime(2026, 11, 18, 9, 8)
    assert "at" not in timeline[-1]

    assert record["incident"] == {
        "severity": "SEV-1",  # one each: the tie goes to the more severe
        "severity_given": ["SEV-1", "SEV-2"],
        "started_at": "2026-11-18T09:03",
        "detected_at": "09:08",
        "detected_at_given": ["09:08", "09:19"],
        "resolved_at": "09:49",
        "resolved_at_given": ["09:41", "09:49"],
        "time_to_detect": "5 min",
        "time_to_resolve": "41 min",
        "duration": "46 min",
        "day": "2026-11-18",  # the clock every time is shown on
        "zone": "UTC",
    }
    assert table_rows(report, "Time") == [
        ["09:03", "First payment failures", "Ann"],
        ["09:08", "First support tickets", "Ben"],
        ["09:19", "Alert paged on-call", "Ann, Ben"],
        ["09:19", "Mei took incident command", "Ben"],
        ["09:41", "Error rate a | b back to normal", "Ann"],
        ["next morning", "Apology emails sent", "Ann"],
        ["later", "Status page updated", "Ben"],
    ]
    assert "Times that are not a clock time or a date are listed last" in report
    assert [row[1:4] for row in table_rows(report, "ID")] == [
        ["Size pools from the replica limit", "prevent", "Dariusz"],
        ["Page sooner on checkout errors", "mitigate", "Cleo"],
        ["Share marketing's calendar with on-call", "process", "—"],
    ]
    assert "**Detected:** 09:08 (earliest of 09:08, 09:19)" in report
    assert "(also given: SEV-2)" in report
    answers = cli("render", folder, "-o", tmp_path / "report.md", "--answers-page", tmp_path / "answers.md")
    assert answers.exit_code == 0  # the page of each person's answers lists their events
    assert "- 09:19: Alert paged on-call" in (tmp_path / "answers.md").read_text(encoding="utf-8")


def test_facilitator_type_and_owner_survive_a_re_merge(cli, tmp_path: Path) -> None:
    folder = tmp_path / "incident"
    assert start_with(cli, folder, "Ann", ANN).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    record_path = folder / "record.toml"
    text = record_path.read_text(encoding="utf-8").replace('type = "prevent"', 'type = "mitigate"')
    record_path.write_text(text, encoding="utf-8")
    assert start_with(cli, folder, "Ben", BEN).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    actions = next(s for s in read(record_path)["sections"] if s["id"] == "actions")["items"]
    kept = next(a for a in actions if a["text"] == "Size pools from the replica limit")
    assert (kept["id"], kept["type"], kept["owner"]) == ("A1", "mitigate", "Dariusz")


def test_anonymous_incident_shows_no_names(cli, tmp_path: Path) -> None:
    folder = tmp_path / "incident"
    for name, answers in (("Ann", ANN), ("Ben", BEN)):
        assert start_with(cli, folder, name, answers).exit_code == 0
    session = folder / "postmortem.toml"
    session.write_text(session.read_text(encoding="utf-8").replace("anonymous = false", "anonymous = true"), encoding="utf-8")
    report = merge_and_render(cli, folder)
    assert "Ann" not in report and "Ben" not in report
    assert "Appendix" not in report
    assert ["09:19", "Alert paged on-call", "2 people"] in table_rows(report, "Time")
    timeline = next(s for s in read(folder / "record.toml")["sections"] if s["id"] == "timeline")["events"]
    assert all("raised_by" not in event for event in timeline)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"timeline": [{"time": "09:03", "what": "x"}, {"what": "Alert paged"}]}, "answers.timeline[2].time is missing"),
        ({"timeline": [{"time": "09:03"}]}, "answers.timeline[1].what is missing"),
        ({"timeline": [{"time": "", "what": "x"}]}, "answers.timeline[1].time must not be empty"),
        ({"timeline": [{"time": "09:03", "what": "x", "who": "Ann"}]}, "answers.timeline[1].who is not a known field"),
        ({"timeline": ["09:03 alert"]}, "answers.timeline[1] must be a table"),
        ({"timeline": {"time": "09:03", "what": "x"}}, "answers.timeline must be a list"),
        (
            {"actions": [{"text": "Fix it", "type": "fix"}]},
            "answers.actions[1].type must be one of 'prevent', 'mitigate', 'process', 'other', not 'fix'",
        ),
        ({"severity": "SEV-5"}, "answers.severity must be one of"),
    ],
)
def test_bad_incident_answers_exit_2_naming_the_key(cli, tmp_path: Path, answers: dict, message: str) -> None:
    folder = tmp_path / "incident"
    result = start_with(cli, folder, "Ann", answers)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert not folder.exists()


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ('kind = "items"\ntypes = ["prevent"]', "types are for an items question"),
        ('kind = "items"\nfields = ["type"]\ntypes = ["a", "A"]', "types must not repeat"),
        ('kind = "events"\nfields = ["owner"]', "fields are for items questions"),
    ],
)
def test_question_set_types_are_checked(tmp_path: Path, question: str, message: str) -> None:
    path = tmp_path / "set.toml"
    path.write_text(f'schema_version = 1\ntitle = "T"\n[[questions]]\nid = "q"\nprompt = "P"\nhelp = "H"\n{question}\n')
    with pytest.raises(PostmortemError, match=message):
        questionsets.load(str(path))


def test_typed_items_without_types_get_the_default_types(tmp_path: Path) -> None:
    path = tmp_path / "set.toml"
    path.write_text('schema_version = 1\ntitle = "T"\n[[questions]]\nid = "q"\nkind = "items"\nfields = ["type"]\nprompt = "P"\nhelp = "H"\n')
    assert questionsets.load(str(path)).questions[0].types == ("prevent", "mitigate", "process", "other")


def test_incident_set_is_built_in() -> None:
    qset = questionsets.load("incident")
    kinds = {q.id: q.kind for q in qset.questions}
    assert kinds["timeline"] == "events" and kinds["actions"] == "items" and kinds["roti"] == "rating"
    actions = qset.question("actions")
    assert actions.actions and actions.fields == ("owner", "type")
    assert actions.types == ("prevent", "mitigate", "process", "other")
    assert qset.question("roti").labels[0] == "Waste of time" and "1 = a waste" in qset.question("roti").help
    assert all("example" in q.help.casefold() for q in qset.questions if q.id != "roti")


def test_parse_time_reads_iso_and_clock_times() -> None:
    from postmortem.answers import parse_time

    day = dt.date(2026, 11, 18)
    assert parse_time("14:02", day) == dt.datetime(2026, 11, 18, 14, 2)
    assert parse_time("9:05", day) == dt.datetime(2026, 11, 18, 9, 5)
    assert parse_time("2026-11-19T08:00", day) == dt.datetime(2026, 11, 19, 8, 0)
    assert parse_time("2026-11-19T08:00Z", day) == dt.datetime(2026, 11, 19, 8, 0, tzinfo=dt.timezone.utc)
    for text in ("next morning", "25:00", "2026", "", "9h05"):
        assert parse_time(text, day) is None


HOSTILE = ["a | b", "# heading", "<script>x</script>", "```", "- item", "line one\n\n# line two", "> quote", "1. one"]


def test_hostile_text_cannot_break_the_incident_report(cli, tmp_path: Path) -> None:
    folder = tmp_path / "incident"
    answers = {
        "summary": HOSTILE[5],
        "trigger": HOSTILE[3],
        "started_at": HOSTILE[1],
        "timeline": [{"time": text, "what": text} for text in HOSTILE] + [{"time": "09:00", "what": HOSTILE[0]}],
        "went_well": HOSTILE,
        "actions": [{"text": text, "owner": text} for text in HOSTILE],
    }
    assert start_with(cli, folder, "Ann | <b>", answers).exit_code == 0
    report = merge_and_render(cli, folder)
    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(report)
    blocks = [t.type for t in tokens if t.type in ("html_block", "fence", "code_block", "blockquote_open", "hr")]
    assert blocks == ["blockquote_open"]  # the blameless framing, nothing from the answers
    timeline = table_rows(report, "Time")
    assert len(timeline) == len(HOSTILE) + 1 and timeline[0] == ["09:00", "a | b", "Ann | <b>"]
    # each as typed, a time typed over several lines on its lines (joined by <br> in the cell)
    assert [row[0] for row in timeline[1:]] == ["<br>".join(" ".join(n.split()) for n in t.splitlines() if n.strip()) for t in HOSTILE]
    assert len(table_rows(report, "ID")) == len(HOSTILE)
    assert headings(report)[:4] == ["Incident review: Checkout outage", "Summary", "Impact", "Root causes"]
    assert "**Started:** \\# heading" in report


def incident_report(cli, tmp_path: Path, told: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    """Each person's incident answers started, merged and rendered: the report and the record."""
    folder = tmp_path / "incident"
    for name, answers in told.items():
        result = start_with(cli, folder, name, answers)
        assert result.exit_code == 0, result.output
    return merge_and_render(cli, folder), read(folder / "record.toml")


def test_every_time_is_shown_in_one_zone_and_one_form_and_kept_as_typed(cli, tmp_path: Path) -> None:
    # Responders in two time zones: the SRE in London pastes UTC from the pager, the developer in
    # Berlin types local time with its offset, support types clock times as they remember them.
    told = {
        "Aisha": {"started_at": "2026-03-14T09:12:00Z", "timeline": [
            {"time": "2026-03-14T09:12:00Z", "what": "Error rate passed 5%"},
            {"time": "2026-03-14T09:40:00Z", "what": "Rolled back to 4.2"}]},
        "Lukas": {"timeline": [{"time": "2026-03-14T10:20+01:00", "what": "Found the bad migration"},
                               {"time": "2026-03-15T08:00+01:00", "what": "Fixed migration deployed"}]},
        "Jordan": {"detected_at": "9:30", "timeline": [{"time": "10:05", "what": "Customers told on the status page"},
                                                       {"time": "9:30", "what": "First ticket about failed logins"}]},
    }
    report, record = incident_report(cli, tmp_path, told)
    assert table_rows(report, "Time") == [
        ["09:12", "Error rate passed 5%", "Aisha"],
        ["09:20", "Found the bad migration", "Lukas"],  # 10:20 in Berlin is 09:20 UTC
        ["09:30", "First ticket about failed logins", "Jordan"],
        ["09:40", "Rolled back to 4.2", "Aisha"],
        ["10:05", "Customers told on the status page", "Jordan"],
        ["2026-03-15 07:00", "Fixed migration deployed", "Lukas"],
    ]
    assert report.count("UTC") == 2  # stated once in the facts, once under the timeline
    assert "**Started:** 09:12 · **Detected:** 09:30 · all times UTC, on 2026-03-14\n" in report
    assert "All times UTC, on 2026-03-14 unless another date is shown." in report
    timeline = next(s for s in record["sections"] if s["id"] == "timeline")["events"]
    assert {e["time"] for e in timeline} >= {"2026-03-14T10:20+01:00", "9:30", "2026-03-14T09:12:00Z"}  # as typed
    assert record["incident"]["started_at"] == "2026-03-14T09:12:00Z"


def test_times_people_gave_that_make_a_duration_negative_or_absurd_are_flagged(cli, tmp_path: Path) -> None:
    # Ben remembers the first ticket at 08:50, before the start Ann took from the logs; Cleo's
    # resolution was typed a month out.
    told = {
        "Ann": {"started_at": "2026-11-18T09:03"},
        "Ben": {"detected_at": "08:50"},
        "Cleo": {"resolved_at": "2026-12-18T09:49"},
    }
    report, record = incident_report(cli, tmp_path, told)
    assert "Time to detect" not in report and "Time to resolve:** 30 d" in report
    assert (
        "**Check the times:** the detection given is before the start, so no time to detect is shown; "
        "the time to resolve is over 7 days: check the dates given; the duration is over 7 days: check the dates given."
    ) in report
    assert len(record["incident"]["time_problems"]) == 3


@pytest.mark.parametrize("key, given", [
    ("detected_at", {"started_at": "2026-11-18T09:03", "detected_at": "2026-11-18T08:50"}),
    ("resolved_at", {"detected_at": "2026-11-18T09:08Z", "resolved_at": "2026-11-18T09:49+01:00"}),
])
def test_ones_own_dated_times_out_of_order_are_refused_with_file_and_line(cli, tmp_path: Path, key: str, given: dict[str, str]) -> None:
    folder = tmp_path / "incident"
    path = write_answers(tmp_path, "Ann", given)
    result = cli("start", folder, *PROJECT, "--answers", path)
    assert result.exit_code == 2 and "Traceback" not in result.output
    [line] = result.stderr.strip().splitlines()
    where = path.read_text(encoding="utf-8").splitlines().index(f'{key} = "{given[key]}"') + 1
    assert f"{path}:{where}: answers.{key} ({given[key]}) is before answers." in line
    assert line.endswith("give the times in the order they happened")
    assert not (folder / "responses" / "ann.toml").exists()


def test_clock_times_alone_may_cross_midnight_and_a_date_alone_is_a_whole_day(cli, tmp_path: Path) -> None:
    report, _record = incident_report(cli, tmp_path, {"Ann": {"started_at": "23:50", "detected_at": "00:10"}})
    assert "**Check the times:** the detection given is before the start" in report  # flagged, not refused
    given = {"started_at": "2026-11-18T09:03", "resolved_at": "2026-11-18"}
    assert start_with(cli, tmp_path / "other", "Ben", given).exit_code == 0
