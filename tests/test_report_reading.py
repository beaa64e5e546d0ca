"""The report as its reader takes it in: what the facilitator decided is on the page, every
detail reads as typed, nothing needs tidying by hand before it goes on the wiki."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import write_answers

ROLLOUT = {
    "went_well": ["The VP set expectations about her availability up front"],
    "went_poorly": ["Unannounced drop-ins several times a day"],
    "improvements": [
        "Ask corporate for a temporary extra resource during busy season",
        {"text": "Daily 10-minute check-in at 9:00 instead of drop-ins", "owner": "Kyle", "due": "2026-12-15"},
        "Check the office's busy-season calendar before fixing rollout dates",
    ],
    "rating": 3,
}


def rollout(cli, tmp_path: Path, set_id: str = "classic", answers: dict | None = None) -> Path:
    folder = tmp_path / "pm"
    path = write_answers(tmp_path, "Linda", ROLLOUT if answers is None else answers, role="Quality & compliance associate")
    result = cli("start", folder, "--project", "Colorado rollout", "--format", set_id, "--date", "2026-11-20", "--answers", path)
    assert result.exit_code == 0, result.output
    assert cli("merge", folder).exit_code == 0
    return folder


def row(report: str, action_id: str) -> list[str]:
    line = next(line for line in report.splitlines() if line.startswith(f"| {action_id} |"))
    return [cell.strip() for cell in line.strip("|").split("|")]


def test_every_action_shows_its_status_and_note_and_a_closed_one_looks_done(cli, tmp_path: Path) -> None:
    folder = rollout(cli, tmp_path)
    assert cli("edit", "A2", folder, "--status", "done", "--note", "Running since 1 December at 9:15").exit_code == 0
    assert cli("edit", "A1", folder, "--status", "dropped", "--note", "No budget this year").exit_code == 0
    assert cli("edit", "A3", folder, "--status", "in progress").exit_code == 0
    report = cli("render", folder).stdout
    header = next(line for line in report.splitlines() if line.startswith("| ID |"))
    assert [c.strip() for c in header.strip("|").split("|")] == ["ID", "Action", "Owner", "Due", "Status", "Raised by"]
    assert row(report, "A2")[4] == "✓ done" and row(report, "A1")[4] == "✗ dropped" and row(report, "A3")[4] == "in progress"
    assert "- A2 (✓ done): Running since 1 December at 9:15" in report
    assert "- A1 (✗ dropped): No budget this year" in report
    assert "A3 (" not in report  # no note, no line


def test_an_action_closed_with_actions_done_reads_as_done(cli, tmp_path: Path) -> None:
    folder = rollout(cli, tmp_path)
    assert cli("actions", "done", "A2", folder).exit_code == 0
    report = cli("render", folder).stdout
    assert row(report, "A2")[4] == "✓ done" and row(report, "A1")[4] == "open"


def test_a_summary_is_its_own_section_after_the_metadata(cli, tmp_path: Path) -> None:
    folder = rollout(cli, tmp_path)
    assert cli("edit", "summary", folder, "--text", "We landed on time, at a cost to the local staff.").exit_code == 0
    report = cli("render", folder).stdout
    assert "Linda)\n\n## Summary\n\nWe landed on time, at a cost to the local staff.\n\n> This review is blameless" in report


@pytest.mark.parametrize("set_id", ["4ls", "mad-sad-glad", "start-stop-continue"])
def test_an_agile_question_set_is_titled_a_retrospective(cli, tmp_path: Path, set_id: str) -> None:
    folder = rollout(cli, tmp_path, set_id, {})
    assert cli("render", folder).stdout.startswith("# Retrospective: Colorado rollout\n")


def test_who_was_not_heard_from_is_named_in_the_report_and_by_merge(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    created = ("--project", "School open day", "--format", "4ls", "--date", "2026-11-20")
    assert cli("start", folder, *created, "--invite", "Ann", "--invite", "Bo", "--invite", "Cleo").exit_code == 0
    for name, answers in (("Cleo", {"liked": ["The guided tour ran on time"]}), ("Dan", {}), ("bo", {"liked": []})):
        assert cli("start", folder, "--answers", write_answers(tmp_path, name, answers)).exit_code == 0
    merged = cli("merge", folder)
    assert merged.exit_code == 0 and "not heard from: Ann, Bo, Dan; " in merged.stderr and not merged.stdout
    assert "\n\n**Not heard from:** Ann, Bo, Dan\n\n" in cli("render", folder).stdout


def test_the_markdown_source_reads_like_what_was_typed_and_keeps_its_structure(cli, tmp_path: Path) -> None:
    from markdown_it import MarkdownIt

    answers = {
        **ROLLOUT,
        "went_poorly": ["Checklists v2 | v3 mix-up: the front desk used the old form for a week",
                        "Overtime ran at 1.5 * the usual hours, see snake_case_notes.txt & the <3 emails"],
        "improvements": ["Retire form v2 | v3 on go-live day & tell the front desk"],
    }
    folder = tmp_path / "pm"
    path = write_answers(tmp_path, "Tomás", answers, role="Quality & compliance associate")
    assert cli("start", folder, "--project", "Q&A rollout", "--date", "2026-11-20", "--answers", path).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    assert cli("render", folder, "-o", tmp_path / "report.md", "--answers-page", tmp_path / "answers.md").exit_code == 0
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert report.startswith("# Post-mortem: Q&A rollout\n")
    assert "- Checklists v2 | v3 mix-up: the front desk used the old form for a week (Tomás)" in report
    assert "- Overtime ran at 1.5 * the usual hours, see snake_case_notes.txt & the <3 emails (Tomás)" in report
    assert "| A1 | Retire form v2 \\| v3 on go-live day & tell the front desk |" in report
    assert "\n## Tomás, Quality & compliance associate\n" in (tmp_path / "answers.md").read_text(encoding="utf-8")
    html = MarkdownIt("js-default").render(report)
    assert "<td>Retire form v2 | v3 on go-live day &amp; tell the front desk</td>" in html
    assert "<li>Checklists v2 | v3 mix-up" in html and "<em>" not in html


def test_a_name_in_any_script_reads_as_typed_in_the_service_diagram(cli, tmp_path: Path) -> None:
    answers = {"team": "Équipe d'accueil", "served": [{"name": "Zoë's front desk"}], "served_by": [{"name": "Łukasz"}]}
    folder = tmp_path / "pm"
    path = write_answers(tmp_path, "Tomás", answers)
    assert cli("start", folder, "--project", "Open day", "--format", "internal-service", "--answers", path).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    report = cli("render", folder).stdout
    assert """["Équipe d'accueil"]""" in report and """["Zoë's front desk"]""" in report and '["Łukasz"]' in report


def test_each_persons_answers_go_on_a_second_page_the_report_links(cli, tmp_path: Path) -> None:
    folder = rollout(cli, tmp_path)
    out = tmp_path / "wiki"
    (out / "answers").mkdir(parents=True)
    result = cli("render", folder, "-o", out / "report.md", "--answers-page", out / "answers" / "linda.md")
    assert result.exit_code == 0 and "answers/linda.md" in result.stderr
    report = (out / "report.md").read_text(encoding="utf-8")
    answers = (out / "answers" / "linda.md").read_text(encoding="utf-8")
    assert report.endswith(
        "## Individual answers\n\nEach participant's own answers, as they gave them, are on [a page of their own](answers/linda.md).\n"
    )
    assert "Unannounced drop-ins several times a day\n" not in report  # the main page is the grouped view only
    assert answers.startswith("# Individual answers: Colorado rollout\n\n**Date:** 2026-11-20")
    assert "[the report](../report.md)" in answers
    assert "\n## Linda, Quality & compliance associate\n\n**What went well?**\n\n- The VP set expectations" in answers
    assert "**What went poorly?**\n\n- Unannounced drop-ins several times a day\n" in answers


def test_an_anonymous_post_mortem_has_no_page_of_answers(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    assert cli("start", folder, "--project", "P", "--anonymous", "--answers", write_answers(tmp_path, "Ann", ROLLOUT)).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    result = cli("render", folder, "--answers-page", tmp_path / "answers.md")
    assert result.exit_code == 2 and "anonymous" in result.stderr and not (tmp_path / "answers.md").exists()


def test_every_distinct_instead_survives_the_merge_with_who_said_it_and_an_owner_conflict_shows(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    people = {
        "Ann": ({"text": "Approvals came back at 17:00", "instead": "Send requests by noon"}, "Kyle"),
        "Bo": ({"text": "Approvals came back at 17:00", "instead": "Book a fixed approval slot"}, "Marcus"),
        "Cy": ({"text": "Approvals came back at 17:00", "instead": "send requests by noon"}, "Kyle"),
    }
    for name, (poor, owner) in people.items():
        answers = {"poor_service": [poor], "improvements": [{"text": "Daily check-in at 9:00", "owner": owner}]}
        path = write_answers(tmp_path, name, answers)
        assert cli("start", folder, "--project", "Branch review", "--format", "internal-service", "--answers", path).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    report = cli("render", folder).stdout
    assert ("- Approvals came back at 17:00 (Ann, Bo, Cy) — instead: Send requests by noon (Ann, Cy); "
            "Book a fixed approval slot (Bo)\n") in report
    assert row(report, "A1")[2] == "Kyle (also given: Marcus)"
    assert cli("edit", "A1", folder, "--owner", "Marcus").exit_code == 0  # the facilitator decides
    assert row(cli("render", folder).stdout, "A1")[2] == "Marcus (also given: Kyle)"


def test_an_anonymous_record_keeps_each_instead_without_names(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    for name, instead in (("Ann", "Send requests by noon"), ("Bo", "Book a fixed approval slot")):
        path = write_answers(tmp_path, name, {"poor_service": [{"text": "Approvals came back at 17:00", "instead": instead}]})
        assert cli("start", folder, "--project", "P", "--format", "internal-service", "--anonymous", "--answers", path).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    record = (folder / "record.toml").read_text(encoding="utf-8")
    assert "Book a fixed approval slot" in record and "Ann" not in record and "Bo\"" not in record
    line = next(line for line in cli("render", folder).stdout.splitlines() if line.startswith("- Approvals"))
    assert "Send requests by noon (1 person)" in line and "Book a fixed approval slot (1 person)" in line


def test_one_team_is_one_row_spelled_as_most_people_did_and_roles_say_who_gave_them(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    given = [("Ann", "IT Service Desk", "Laptops", 2), ("Bo", "IT service desk", "Imaging", 4), ("Cy", "IT Service Desk", "Laptops", 3)]
    for name, team, role, score in given:
        answers = {"scorecard": [{"team": team, "quality": score}], "served_by": [{"name": team, "role": role}]}
        path = write_answers(tmp_path, name, answers)
        assert cli("start", folder, "--project", "Branch review", "--format", "internal-service", "--answers", path).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    report = cli("render", folder).stdout
    assert "| IT Service Desk | — | 3.0 (3) | — | — |" in report and "IT service desk |" not in report
    assert "| IT Service Desk | Laptops (Ann, Cy); Imaging (Bo) | — | Ann, Bo, Cy |" in report


def test_two_responders_telling_one_moment_in_other_words_is_one_event(cli, tmp_path: Path) -> None:
    folder = tmp_path / "pm"
    told = {
        "Ann": [{"time": "09:19", "what": "Paged the on-call engineer"}, {"time": "09:41", "what": "Rolled back the release"}],
        "Ben": [{"time": "09:19", "what": "On-call engineer paged by PagerDuty"}, {"time": "09:19", "what": "Mei took incident command"},
                {"time": "09:41", "what": "We rolled back the bad release to 4.2"}],
    }
    for name, timeline in told.items():
        path = write_answers(tmp_path, name, {"timeline": timeline})
        assert cli("start", folder, "--project", "Checkout outage", "--format", "incident", "--answers", path).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    events = [line for line in cli("render", folder).stdout.splitlines() if line.startswith("| 09:")]
    assert events == [
        "| 09:19 | Paged the on-call engineer | Ann, Ben |",
        "| 09:19 | Mei took incident command | Ben |",
        "| 09:41 | Rolled back the release | Ann, Ben |",
    ]


def test_clock_times_fall_on_the_incidents_day_not_on_a_precursor_weeks_before(cli, tmp_path: Path) -> None:
    answers = {
        "started_at": "09:00", "detected_at": "2026-11-18T09:08", "resolved_at": "09:49",
        "timeline": [{"time": "2026-10-20T14:00", "what": "Vendor announced the connection limit change"},
                     {"time": "09:03", "what": "First payment failures"}, {"time": "09:30", "what": "Pool size raised"}],
    }
    folder = tmp_path / "pm"
    path = write_answers(tmp_path, "Ann", answers)
    assert cli("start", folder, "--project", "Checkout outage", "--format", "incident", "--answers", path).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    report = cli("render", folder).stdout
    assert "**Time to detect:** 8 min" in report and "**Time to resolve:** 41 min" in report and "**Duration:** 49 min" in report
    times = [line.split("|")[1].strip() for line in report.splitlines() if line.startswith("| ") and "|" in line[2:] and line[2:4].isdigit()]
    assert times == ["2026-10-20 14:00", "09:03", "09:30"]


def service_diagram(cli, tmp_path: Path, told: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    """The lines of the report's Mermaid diagram, after each (name, role, answers) of an internal-service review."""
    folder = tmp_path / "pm"
    for name, role, answers in told:
        path = write_answers(tmp_path, name, answers, role=role)
        assert cli("start", folder, "--project", "Laptop refresh", "--format", "internal-service", "--answers", path).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    report = cli("render", folder).stdout
    return report[report.index("```mermaid"):report.index("```\n", report.index("```mermaid") + 3)].splitlines()[1:]


def test_who_served_whom_is_drawn_between_teams_with_how_many_people_said_so(cli, tmp_path: Path) -> None:
    told = [
        ("Dana", "IT end-user computing lead", {"served": [{"name": "Sales"}], "served_by": [{"name": "Facilities"}]}),
        ("Tomás", "IT service desk technician", {"served": [{"name": "Sales"}]}),
        ("Rachel", "Sales operations manager", {"served_by": [{"name": "IT"}]}),
    ]
    assert service_diagram(cli, tmp_path, told) == [
        "flowchart LR", '  n1["IT"]', '  n2["Sales"]', '  n3["Facilities"]', "  n1 -->|3| n2", "  n3 -->|1| n1",
    ]


def test_the_service_diagram_joins_teams_never_people_each_person_in_their_team(cli, tmp_path: Path) -> None:
    # A branch manager's internal-service review: two branch staff give their team (spelled two ways),
    # the HR partner gives none but her role names HR, and one served-by answer names her, not her team.
    told = [
        ("Dana", "Branch manager", {"team": "Harbour Street branch", "served_by": [{"name": "HR"}, {"name": "IT"}]}),
        ("Omar", "Customer service lead", {"team": "harbour street branch", "served_by": [{"name": "Grace"}]}),
        ("Grace", "HR partner", {"served": [{"name": "Harbour Street branch"}]}),
    ]
    assert service_diagram(cli, tmp_path, told) == [
        "flowchart LR", '  n1["HR"]', '  n2["Harbour Street branch"]', '  n3["IT"]', "  n1 -->|3| n2", "  n3 -->|1| n2",
    ]


def test_someone_named_who_did_not_answer_stands_for_the_team_their_role_names(cli, tmp_path: Path) -> None:
    told = [
        ("Dana", "Branch manager",
         {"team": "Harbour Street branch", "served_by": [{"name": "Jessica", "role": "Quality manager at Corporate quality"}]}),
        ("Omar", "Customer service lead", {"team": "Harbour Street branch", "served_by": [{"name": "Corporate quality"}]}),
        ("Ann", "Auditor", {"served_by": [{"name": "Priya", "role": "visiting consultant"}]}),  # no team named: drawn as named
    ]
    assert service_diagram(cli, tmp_path, told) == [
        "flowchart LR", '  n1["Priya"]', '  n2["Auditor"]', '  n3["Corporate quality"]', '  n4["Harbour Street branch"]',
        "  n1 -->|1| n2", "  n3 -->|2| n4",
    ]


def test_an_internal_service_review_is_titled_so_and_reads_as_the_teams_own_account(cli, tmp_path: Path) -> None:
    from conftest import REPO

    folder = tmp_path / "pm"
    for name in ("dana", "wei"):  # the IT lead and Finance, from the laptop refresh example
        path = REPO / "examples" / "internal-service-laptop-refresh" / "answers" / f"{name}.toml"
        assert cli("start", folder, "--project", "Laptop refresh", "--format", "internal-service", "--answers", path).exit_code == 0
    assert cli("merge", folder).exit_code == 0
    report = cli("render", folder).stdout
    assert report.startswith("# Internal service review: Laptop refresh\n")
    served_by = report.split("## Who served us\n\n", 1)[1]
    assert served_by.startswith("| Name | Role | What we needed from them | Named by |\n")
    row = "| Procurement | Ordering the 300 laptops from the vendor | a purchase order in time for the vendor's October build slot (Dana); "
    assert row in served_by
    assert "## Whom we served\n\n| Name | Role | What they needed | Named by |\n" in report


def test_team_names_with_an_ampersand_or_a_slash_read_as_typed_in_the_diagram(cli, tmp_path: Path) -> None:
    told = [("Ines", "Payroll clerk", {"team": "HR/Payroll", "served": [{"name": "Sales & Marketing"}]})]
    assert service_diagram(cli, tmp_path, told)[1:3] == ['  n1["HR/Payroll"]', '  n2["Sales & Marketing"]']
