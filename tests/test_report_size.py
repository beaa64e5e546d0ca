"""A report stays one page at a glance however many answered; the record keeps everything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from conftest import read
from postmortem import render, store
from postmortem.render import NAMED, SHOWN

PEOPLE = SHOWN + 20
LEFT_OUT = "*…and {} more: the post-mortem's record.toml has every one.*"


def big_session(folder: Path, anonymous: bool = False) -> Path:
    """PEOPLE responses: one distinct win, improvement and takeaway each, one pain everyone shares,
    and one stakeholder everyone names with a role and an interest of their own."""
    (folder / "responses").mkdir(parents=True)
    session = {"schema_version": 1, "project": "Big retro", "format": "classic", "date": dt.date(2026, 11, 2), "anonymous": anonymous}
    (folder / "postmortem.toml").write_text(store.dumps(session), encoding="utf-8")
    for n in range(PEOPLE):
        answers = {
            "went_well": [f"Win {n:03d}"],
            "went_poorly": ["Shared pain", f"Pain {n:03d}"],
            "improvements": [{"text": f"Fix {n:03d}", "owner": f"Owner {n:03d}", "due": dt.date(2026, 12, 1)}],
            "stakeholders": [{"name": "Jessica", "role": f"Role {n:03d}", "interest": f"Interest {n:03d}"}],
            "takeaways": f"Takeaway {n:03d}",
        }
        response = {"schema_version": 1, "name": f"Person {n:03d}", "status": "complete", "answers": answers}
        (folder / "responses" / f"person-{n:03d}.toml").write_text(store.dumps(response), encoding="utf-8")
    return folder


def section_of(report: str, heading: str) -> str:
    return report.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]


def test_long_lists_are_cut_to_the_first_entries_with_a_count_of_the_rest(cli, tmp_path: Path) -> None:
    folder = big_session(tmp_path / "pm")
    assert cli("merge", folder).exit_code == 0
    report = cli("render", folder).stdout

    well = section_of(report, "What went well")
    assert well.count("\n- Win ") == SHOWN and LEFT_OUT.format(PEOPLE - SHOWN) in well
    poorly = section_of(report, "What went poorly")
    assert poorly.startswith("\n- Shared pain (")  # the one raised most comes first and is never cut
    assert poorly.count("\n- ") == SHOWN and LEFT_OUT.format(PEOPLE + 1 - SHOWN) in poorly
    shared = poorly.splitlines()[1]
    assert shared.count("Person ") == NAMED and shared.endswith(f" and {PEOPLE - NAMED} more)")

    actions = section_of(report, "Improvements")
    assert actions.count("| Fix ") == SHOWN
    assert f"|\n\n{LEFT_OUT.format(PEOPLE - SHOWN)}" in actions  # a blank line ends the table first
    takeaways = section_of(report, "Key takeaways")
    assert takeaways.count("\n- Takeaway ") == SHOWN and LEFT_OUT.format(PEOPLE - SHOWN) in takeaways

    jessica = next(line for line in section_of(report, "Stakeholders").splitlines() if line.startswith("| Jessica"))
    assert jessica.count("Role ") == NAMED and jessica.count("Interest ") == NAMED
    assert f"; Role {NAMED - 1:03d} (Person {NAMED - 1:03d}) and {PEOPLE - NAMED} more |" in jessica

    assert f"**Participants:** {PEOPLE}\n" in report  # the count, not 120 names
    assert "## Person" not in report and "Individual answers" not in report
    assert cli("render", folder, "-o", tmp_path / "report.md", "--answers-page", tmp_path / "answers.md").exit_code == 0
    answers = (tmp_path / "answers.md").read_text(encoding="utf-8")  # the second page has everyone's
    assert answers.count("\n## Person ") == PEOPLE and "[a page of their own](answers.md)" in (tmp_path / "report.md").read_text(encoding="utf-8")

    record = read(folder / "record.toml")  # nothing is lost: the record has every entry and answer
    assert len(record["sections"][0]["items"]) == PEOPLE and len(record["responses"]) == PEOPLE
    assert cli("render", folder, "--to", "html").stdout.count("<li>Win ") == SHOWN


def test_an_anonymous_report_at_that_size_has_no_appendix_line(cli, tmp_path: Path) -> None:
    folder = big_session(tmp_path / "pm", anonymous=True)
    assert cli("merge", folder).exit_code == 0
    report = cli("render", folder).stdout
    assert "Appendix" not in report and "Person " not in report
    assert section_of(report, "What went poorly").startswith(f"\n- Shared pain ({PEOPLE} people)")


def test_a_list_of_exactly_the_limit_is_shown_whole() -> None:
    def report(count: int) -> str:
        items = [{"text": f"Item {n}", "count": 1, "raised_by": ["Ann"]} for n in range(count)]
        section = {"id": "went_well", "kind": "items", "heading": "What went well", "prompt": "?", "items": items}
        record = {"project": "P", "format": "classic", "date": dt.date(2026, 11, 2), "participant_count": 1, "sections": [section]}
        return render.render_markdown(record)

    assert report(SHOWN).count("\n- Item ") == SHOWN and "more: the" not in report(SHOWN)
    assert report(SHOWN + 1).count("\n- Item ") == SHOWN and LEFT_OUT.format(1) in report(SHOWN + 1)


def test_the_service_diagram_draws_at_most_the_limit_of_arrows() -> None:
    served = [{"name": f"Team {n:03d}", "raised_by": ["Ann", "Bob"]} for n in range(SHOWN)]  # 2 arrows each
    graph = str(render._service_graph([{"id": "served", "people": served}]))
    fence, note = graph.split("\n```\n")
    assert fence.count(" -->|1| ") == SHOWN and note == f"\n*The first {SHOWN} of {2 * SHOWN} arrows; the record has every one.*"
    whole = str(render._service_graph([{"id": "served", "people": served[: SHOWN // 2]}]))
    assert whole.count(" -->|1| ") == SHOWN and whole.endswith("\n```")


def test_past_the_limit_of_named_participants_each_still_stands_for_their_team_in_the_diagram() -> None:
    people = [{"name": f"Tech {n:03d}", "role": "IT service desk technician"} for n in range(PEOPLE)]
    served = {"id": "served", "kind": "people", "heading": "Whom we served", "prompt": "?",
              "people": [{"name": "Sales", "count": PEOPLE, "raised_by": [p["name"] for p in people]}]}
    served_by = {"id": "served_by", "kind": "people", "heading": "Who served us", "prompt": "?",
                 "people": [{"name": "Facilities", "count": 1, "raised_by": ["Tech 000"]}]}
    record = {"project": "P", "format": "internal-service", "date": dt.date(2026, 11, 2), "participant_count": PEOPLE,
              "participants": people, "sections": [served, served_by]}
    report = render.render_markdown(record)
    assert '["Tech' not in report  # no person is a node of the diagram
    # No team named IT among the answers, so the technicians stand for their role.
    assert f'  n1["IT service desk technician"]\n  n2["Sales"]\n  n3["Facilities"]\n  n1 -->|{PEOPLE}| n2\n  n3 -->|1| n1\n```' in report
